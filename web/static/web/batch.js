// The live mass balance on a batch page: the stored inputs and outputs come from the
// "balance-data" JSON; while an output is being typed its masses are added to the outputs and
// every row is re-judged by the rule used on closing (out <= in x (1 + tolerance)).
(function () {
  "use strict";
  var dataElement = document.getElementById("balance-data");
  var section = document.querySelector("[data-balance]");
  var form = document.querySelector("[data-output-form]");
  if (!dataElement || !section || !form) { return; }
  var data = JSON.parse(dataElement.textContent);
  var tolerance = parseFloat(data.tolerance);
  var summary = section.querySelector("[data-balance-summary]");
  var typingNote = section.querySelector("[data-balance-typing]");
  var totalRow = section.querySelector("[data-balance-total]");
  // One millionth of a kilogram: the precision masses are stored with.
  var EPSILON = 0.000001;

  function amount(text) {
    var value = parseFloat(text);
    return isFinite(value) && value > 0 ? value : 0;
  }

  function shown(value) { return String(parseFloat(value.toFixed(6))); }

  function symbol(text) {
    text = (text || "").trim();
    return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
  }

  function verdict(cell, within) {
    var badge = document.createElement("span");
    badge.className = "badge " + (within ? "ok" : "bad");
    badge.textContent = section.getAttribute(within ? "data-word-ok" : "data-word-bad");
    cell.replaceChildren(badge);
  }

  function fill(row, massIn, massOut, within) {
    row.querySelector("[data-in]").textContent = shown(massIn);
    row.querySelector("[data-out]").textContent = shown(massOut);
    row.querySelector("[data-remaining]").textContent = shown(massIn - massOut);
    verdict(row.querySelector("[data-verdict]"), within);
  }

  // An element typed for this output that no input or output has yet gets its own row.
  function rowFor(element) {
    var row = section.querySelector('[data-balance-element="' + element + '"]');
    if (row) { return row; }
    row = document.createElement("tr");
    row.setAttribute("data-balance-element", element);
    var heading = document.createElement("th");
    heading.scope = "row";
    heading.textContent = element;
    row.appendChild(heading);
    ["data-in", "data-out", "data-remaining"].forEach(function (name) {
      var cell = document.createElement("td");
      cell.className = "num";
      cell.setAttribute(name, "");
      row.appendChild(cell);
    });
    var last = document.createElement("td");
    last.setAttribute("data-verdict", "");
    row.appendChild(last);
    totalRow.parentNode.insertBefore(row, totalRow);
    return row;
  }

  function typedElements() {
    var typed = {};
    form.querySelectorAll("[data-element]").forEach(function (input) {
      var element = input.getAttribute("data-element");
      typed[element] = (typed[element] || 0) + amount(input.value);
    });
    var other = symbol(form.querySelector("[data-other-element]").value);
    if (/^[A-Z][a-z]?$/.test(other)) {
      var otherMass = amount(form.querySelector("[data-other-element-mass]").value);
      typed[other] = (typed[other] || 0) + otherMass;
    }
    return typed;
  }

  function recompute() {
    var typed = typedElements();
    var mass = amount(form.elements.mass_kg.value);
    var originText = form.elements.origin_mass_kg.value.trim();
    var origin = originText ? amount(originText) : mass;
    var typing = mass > 0 || Object.keys(typed).some(function (e) { return typed[e] > 0; });
    var elements = Object.assign({}, data.elements);
    Object.keys(typed).forEach(function (element) {
      if (!elements[element] && typed[element] > 0) { elements[element] = { "in": "0", "out": "0" }; }
    });
    var allWithin = true;
    Object.keys(elements).forEach(function (element) {
      var massIn = parseFloat(elements[element]["in"]);
      var massOut = parseFloat(elements[element].out) + (typed[element] || 0);
      var within = massOut <= massIn * (1 + tolerance) + EPSILON;
      allWithin = allWithin && within;
      fill(rowFor(element), massIn, massOut, within);
    });
    var totalIn = parseFloat(data.mass_in);
    var totalOut = parseFloat(data.mass_out) + parseFloat(data.declared_loss) + origin;
    var totalWithin = !data.has_inputs || totalOut <= totalIn * (1 + tolerance);
    fill(totalRow, totalIn, totalOut, totalWithin);
    var holds = allWithin && totalWithin;
    summary.textContent = section.getAttribute(holds ? "data-summary-ok" : "data-summary-bad");
    summary.className = holds ? "stat-met" : "stat-missed";
    typingNote.textContent = section.getAttribute("data-typing");
    typingNote.hidden = !typing;
  }

  form.addEventListener("input", recompute);
  // A form sent back with errors still holds what was typed; show its effect straight away.
  if (form.elements.mass_kg.value) { recompute(); }
})();
