// The self-sufficiency chart: demand and secondary supply as bars, arisings as a line, and the
// self-sufficiency ratio with its threshold on a second axis in per cent. The table under the
// chart holds the same figures, so nothing depends on this script.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var COLOURS = {
    demand: "#8a949e", secondary: "#176b2c", arisings: "#0b5cad", ssr: "#7a4d00",
    threshold: "#12263a"
  };

  function draw(canvas, chart) {
    return new window.Chart(canvas, {
      data: {
        labels: chart.labels,
        datasets: [
          { type: "bar", label: chart.legend.demand, data: chart.demand,
            backgroundColor: COLOURS.demand, yAxisID: "y", order: 3 },
          { type: "bar", label: chart.legend.secondary, data: chart.secondary,
            backgroundColor: COLOURS.secondary, yAxisID: "y", order: 3 },
          { type: "line", label: chart.legend.arisings, data: chart.arisings,
            borderColor: COLOURS.arisings, backgroundColor: COLOURS.arisings, pointRadius: 0,
            tension: 0.2, yAxisID: "y", order: 2 },
          { type: "line", label: chart.legend.ssr, data: chart.ssr, borderColor: COLOURS.ssr,
            backgroundColor: COLOURS.ssr, borderWidth: 3, pointRadius: 0, spanGaps: false,
            yAxisID: "ratio", order: 1 },
          { type: "line", label: chart.legend.threshold, data: chart.threshold,
            borderColor: COLOURS.threshold, backgroundColor: COLOURS.threshold, borderDash: [6, 4],
            pointRadius: 0, yAxisID: "ratio", order: 1 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: chart.axis } },
          ratio: {
            beginAtZero: true, suggestedMax: 100, position: "right",
            grid: { drawOnChartArea: false }, title: { display: true, text: chart.ratio_axis }
          }
        }
      }
    });
  }

  window.Chart.defaults.animation = false;
  document.querySelectorAll("canvas[data-chart='self-sufficiency']").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (source) { canvas.chart = draw(canvas, JSON.parse(source.textContent)); }
  });
})();
