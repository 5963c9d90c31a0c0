// Charts of the regulator dashboard, drawn from data the page embeds with json_script.
// Every chart has a table beside it with the same figures, so nothing depends on this script.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var COLOURS = {
    met: "#176b2c", missed: "#a3141b", none: "#4f5965", target: "#12263a", upcoming: "#7a4d00",
    upcoming_met: "#5f9c6e", upcoming_missed: "#d08a1c",
    stages: {
      in_use: "#0b5cad", collected: "#5b8fd1", in_treatment: "#7a4d00",
      recovered: "#176b2c", lost: "#a3141b", expected_eol: "#8a949e"
    },
    expected: "#0b5cad", collected: "#7a4d00", recovered: "#176b2c",
    declared: "#0b5cad", world: "#8a949e"
  };

  function data(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function recovery(canvas, chart) {
    // A rate resting on few products is drawn pale, as its table row is greyed.
    var colours = chart.verdicts.map(function (v, i) {
      var colour = COLOURS[v] || COLOURS.none;
      return chart.low_confidence[i] ? colour + "66" : colour;
    });
    var datasets = [{
      // A rate of 0 still shows as a sliver in its verdict colour.
      type: "bar", label: chart.legend.rate, data: chart.rates, backgroundColor: colours,
      minBarLength: 3, order: 2
    }];
    if (chart.targets.some(function (t) { return t !== null; })) {
      datasets.push({
        type: "line", label: chart.legend.target, data: chart.targets, borderColor: COLOURS.target,
        backgroundColor: COLOURS.target, borderWidth: 3, pointStyle: "line", pointRadius: 14,
        stepped: "middle", spanGaps: false, order: 1
      });
    }
    if (chart.upcoming.some(function (t) { return t !== null; })) {
      datasets.push({
        type: "line", label: chart.legend.upcoming, data: chart.upcoming,
        borderColor: COLOURS.upcoming, backgroundColor: COLOURS.upcoming, borderDash: [6, 4],
        borderWidth: 3, pointStyle: "line", pointRadius: 14, stepped: "middle", order: 1
      });
    }
    if (chart.outliers.some(function (v) { return v !== null; })) {
      // An outlier's bar stops at the axis top, marked there; its value is in the tooltip.
      datasets.push({
        type: "line", label: chart.legend.outlier, data: chart.outliers, showLine: false,
        borderColor: COLOURS.missed, backgroundColor: COLOURS.missed, pointStyle: "triangle",
        pointRadius: 8, order: 0
      });
    }
    // Short horizontal lines under each bar; the full name and the verdict in its tooltip,
    // the verdict also in the table, so it never rests on colour alone.
    var labels = chart.labels;
    return new window.Chart(canvas, {
      data: { labels: labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 6 } },
          // Never scaled to an outlier: the targets stay in view.
          y: { min: 0, max: chart.cap, title: { display: true, text: "%" } }
        },
        plugins: {
          legend: {
            labels: {
              // The rate's legend swatch is neutral: its bars are coloured by their verdict.
              generateLabels: function (instance) {
                var items = window.Chart.defaults.plugins.legend.labels.generateLabels(instance);
                items.forEach(function (item) {
                  if (item.datasetIndex === 0) {
                    item.fillStyle = COLOURS.none; item.strokeStyle = COLOURS.none;
                  }
                });
                return items;
              }
            }
          },
          tooltip: {
            callbacks: {
              title: function (items) { return chart.names[items[0].dataIndex]; },
              label: function (item) {
                if (item.datasetIndex === 0 || item.dataset.label === chart.legend.outlier) {
                  return chart.legend.rate + ": " + chart.actual[item.dataIndex];
                }
                return item.dataset.label + ": " + item.formattedValue;
              },
              afterBody: function (items) {
                var i = items[0].dataIndex;
                var lines = [chart.words[chart.verdicts[i]] || ""];
                if (chart.low_confidence[i]) { lines.push(chart.legend.low_confidence); }
                return lines;
              }
            }
          }
        }
      }
    });
  }

  function inventory(canvas, chart) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set) {
          return {
            label: set.label, data: set.data, stack: set.stack,
            backgroundColor: COLOURS.stages[set.stage] || COLOURS.none
          };
        })
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: chart.axis } }
        }
      }
    });
  }

  function forecast(canvas, chart) {
    return new window.Chart(canvas, {
      data: {
        labels: chart.labels,
        datasets: [
          { type: "line", label: chart.legend.expected, data: chart.expected,
            borderColor: COLOURS.expected, backgroundColor: COLOURS.expected, tension: 0.2, order: 1 },
          { type: "bar", label: chart.legend.collected, data: chart.collected,
            backgroundColor: COLOURS.collected, order: 2 },
          { type: "bar", label: chart.legend.recovered, data: chart.recovered,
            backgroundColor: COLOURS.recovered, order: 2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: chart.axis } } }
      }
    });
  }

  function supply(canvas, chart) {
    var datasets = [
      { label: chart.legend.declared, data: chart.declared, backgroundColor: COLOURS.declared }
    ];
    if (chart.world) {
      datasets.push({ label: chart.legend.world, data: chart.world, backgroundColor: COLOURS.world });
    }
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: chart.axis } } }
      }
    });
  }

  // Figures appear at once: no motion to wait for, and a chart is never caught half-drawn.
  window.Chart.defaults.animation = false;

  var KINDS = { recovery: recovery, inventory: inventory, forecast: forecast, supply: supply };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var draw = KINDS[canvas.getAttribute("data-chart")];
    var chart = data(canvas);
    if (draw && chart) { canvas.chart = draw(canvas, chart); }
  });
})();
