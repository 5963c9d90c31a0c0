// Behaviour shared by every page. Pages work without it; it only saves a click.
(function () {
  "use strict";
  // A language chosen from the list applies at once; the button stays for keyboards and no-JS.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Buttons that ask before an irreversible action (closing a batch, cosigning).
  document.querySelectorAll("[data-confirm]").forEach(function (element) {
    element.addEventListener("click", function (event) {
      if (!window.confirm(element.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
