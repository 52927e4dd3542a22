// Drop zone for file inputs marked data-dropzone (upload pages and the REX editor).
// An enhancement only: the plain <input type="file"> stays visible and usable with the keyboard
// and without JavaScript. Dropped files fill the input (DataTransfer) and their names are listed.
(function () {
  "use strict";

  function listNames(input, list) {
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    list.textContent = names.length ? "Fichiers choisis : " + names.join(", ") : "";
  }

  function enhance(input) {
    if (typeof DataTransfer === "undefined") { return; }
    var zone = document.createElement("div");
    zone.className = "dropzone";
    var help = document.createElement("p");
    help.className = "dropzone-help";
    help.textContent = "Ou déposez " + (input.multiple ? "des fichiers" : "un fichier") + " ici.";
    var list = document.createElement("p");
    list.className = "dropzone-list";
    list.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(zone, input);
    zone.appendChild(input);
    zone.appendChild(help);
    zone.appendChild(list);

    input.addEventListener("change", function () { listNames(input, list); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone-over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dropzone-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var dropped = event.dataTransfer && event.dataTransfer.files;
      if (!dropped || !dropped.length) { return; }
      var transfer = new DataTransfer();
      var count = input.multiple ? dropped.length : 1;
      for (var i = 0; i < count; i++) { transfer.items.add(dropped[i]); }
      input.files = transfer.files;
      listNames(input, list);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-dropzone]"), enhance);
  });
})();
