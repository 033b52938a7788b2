// The collection round's pages: a size check before uploading, the print button, a dropped file.
// Every page works without this script (plain forms and links).
"use strict";
(function () {
  function size(n) { return n >= 1048576 ? Math.floor(n / 1048576) + " MB" : Math.floor(n / 1024) + " KB"; }

  function setupUpload() {
    var form = document.getElementById("upload");
    if (!form) return;
    var input = document.getElementById("file");
    var zone = document.getElementById("dropzone");
    var problem = document.getElementById("upload-error");
    var maxUpload = Number(form.dataset.maxUpload);
    function check() {
      var f = input.files[0];
      var message = !f ? "请先选择填好的表格。" :
        f.size > maxUpload ? "“" + f.name + "”过大（超过 " + size(maxUpload) + "），不像是年度报告。" : "";
      problem.textContent = message;
      problem.hidden = !message;
      return !message;
    }
    input.addEventListener("change", check);
    form.addEventListener("submit", function (e) {
      if (!check()) { e.preventDefault(); return; }
      var button = document.getElementById("submit");
      button.disabled = true;
      button.textContent = "正在上传并检查……";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      check();
    });
  }

  function setupPrint() {
    var button = document.getElementById("print");
    if (button) button.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () { setupUpload(); setupPrint(); });
})();
