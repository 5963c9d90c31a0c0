// Manufacturer console. Every page works without this file; it only saves round trips.
(function () {
  "use strict";

  // Registration: show only the attribute group of the chosen product type.
  var form = document.querySelector("[data-register-form]");
  if (form) {
    var typeSelect = form.querySelector("select[name=product_type]");
    var groups = form.querySelectorAll("[data-product-type]");
    var showChosenType = function () {
      groups.forEach(function (group) {
        group.hidden = group.getAttribute("data-product-type") !== typeSelect.value;
      });
    };
    if (typeSelect) {
      typeSelect.addEventListener("change", showChosenType);
      showChosenType();
      form.querySelectorAll("[data-no-js-hint]").forEach(function (hint) { hint.hidden = true; });
    }
  }

  // Registration: "add rows" copies the last row in the page instead of reloading it.
  // Input names are field paths such as composition[3].mass_kg; ids follow them.
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var list = button.getAttribute("data-add-row");
      var container = document.querySelector('[data-rows="' + list + '"]');
      var rows = container ? container.querySelectorAll("[data-row]") : [];
      if (!rows.length) { return; }
      event.preventDefault();
      var index = rows.length;
      var copy = rows[rows.length - 1].cloneNode(true);
      // List names are paths such as attributes.battery.hazardous_substances; ids replace
      // every run of other characters with "-", as FormField.input_id does.
      var escape = function (text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
      var listId = list.replace(/[^A-Za-z0-9_-]+/g, "-");
      var namePattern = new RegExp("^" + escape(list) + "\\[\\d+\\]");
      var idPattern = new RegExp("^f-" + escape(listId) + "-\\d+-");
      var renameId = function (value) { return value.replace(idPattern, "f-" + listId + "-" + index + "-"); };
      copy.classList.remove("invalid");
      copy.querySelectorAll(".errorlist").forEach(function (element) { element.remove(); });
      copy.querySelectorAll(".field").forEach(function (element) { element.classList.remove("invalid"); });
      copy.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.name = input.name.replace(namePattern, list + "[" + index + "]");
        input.id = renameId(input.id);
        input.value = "";
        input.removeAttribute("aria-invalid");
        var described = input.getAttribute("aria-describedby");
        if (described) {
          var kept = described.split(" ").filter(function (id) { return !/-errors$/.test(id); });
          input.setAttribute("aria-describedby", kept.map(renameId).join(" "));
        }
      });
      copy.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = renameId(label.htmlFor);
      });
      copy.querySelectorAll(".help[id]").forEach(function (help) { help.id = renameId(help.id); });
      var legend = copy.querySelector("legend");
      if (legend) { legend.textContent = legend.textContent.replace(/\d+(?=\D*$)/, String(index + 1)); }
      container.appendChild(copy);
      var first = copy.querySelector("input, select");
      if (first) { first.focus(); }
    });
  });

  // Passport list: "select all on this page" for label printing.
  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    toggle.addEventListener("change", function () {
      var scope = document.getElementById(toggle.getAttribute("data-select-all"));
      scope.querySelectorAll("input[type=checkbox][name=id]").forEach(function (box) {
        box.checked = toggle.checked;
      });
    });
  });

  // Label sheets: print from a button as well as from the browser menu.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
