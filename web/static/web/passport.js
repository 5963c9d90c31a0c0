// The passport page's charts and country names. The page reads fully without this script:
// every chart has a table with the same numbers beside it.
(function () {
  "use strict";
  var BASE = "#0b5cad";
  var CRM = "#a3141b";
  var SERIES = ["#0b5cad", "#c25e00", "#176b2c", "#6b3fa0", "#00838f", "#8a6d00", "#ad1457", "#4f5965"];
  var lang = document.documentElement.lang || "en";

  var countryNames = null;
  try {
    countryNames = new Intl.DisplayNames([lang], { type: "region" });
  } catch (error) {
    countryNames = null; // Old browsers keep the ISO codes.
  }

  function countryName(code) {
    if (!countryNames || !/^[A-Z]{2}$/.test(code)) { return code; }
    try {
      var name = countryNames.of(code);
      return name && name !== code ? name + " (" + code + ")" : code;
    } catch (error) {
      return code;
    }
  }

  document.querySelectorAll("[data-country]").forEach(function (element) {
    element.textContent = countryName(element.getAttribute("data-country"));
  });

  function datasetsOf(spec) {
    return spec.datasets.map(function (dataset, index) {
      var colour = SERIES[index % SERIES.length];
      var colours = dataset.highlight
        ? dataset.highlight.map(function (crm) { return crm ? CRM : BASE; })
        : colour;
      return {
        label: spec.countries ? countryName(dataset.label) : dataset.label,
        data: dataset.values,
        backgroundColor: colours,
        borderColor: colours,
        borderWidth: spec.type === "line" ? 2 : 0,
        pointRadius: spec.type === "line" ? 4 : undefined,
        tension: 0,
        spanGaps: true
      };
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-spec"));
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    if (!spec) { return; }
    var horizontal = Boolean(spec.horizontal);
    var valueAxis = horizontal ? "x" : "y";
    var rows = spec.labels.length;
    // Horizontal bars get a fixed height per row, so a long composition stays legible on a phone.
    var width = canvas.parentElement.clientWidth || 360;
    var height = horizontal ? Math.max(160, rows * 30 + 70) : 260;
    var scales = {};
    scales[valueAxis] = {
      beginAtZero: true,
      stacked: Boolean(spec.stacked),
      title: { display: Boolean(spec.unit), text: spec.unit }
    };
    if (spec.max) { scales[valueAxis].max = spec.max; }
    scales[horizontal ? "y" : "x"] = { stacked: Boolean(spec.stacked) };
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasetsOf(spec) },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        aspectRatio: width / height,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = horizontal ? context.parsed.x : context.parsed.y;
                return context.dataset.label + ": " + value + " " + (spec.unit || "");
              }
            }
          }
        }
      }
    });
    canvas.setAttribute("data-chart-ready", "true");
    return chart;
  }

  document.querySelectorAll("canvas[data-chart-spec]").forEach(draw);
})();
