// xltools web page: the drop zone, a size check before uploading, and sorting the batch table.
// The page works without this script (plain form upload); it only makes it friendlier.
"use strict";
(function () {
  function size(n) { return n >= 1048576 ? Math.floor(n / 1048576) + " MB" : Math.floor(n / 1024) + " KB"; }

  function setupUpload() {
    var form = document.getElementById("upload");
    if (!form) return;
    var input = document.getElementById("files");
    var zone = document.getElementById("dropzone");
    var list = document.getElementById("chosen");
    var problem = document.getElementById("upload-error");
    var maxUpload = Number(form.dataset.maxUpload);
    var maxFiles = Number(form.dataset.maxFiles);

    function check(files) {
      if (!files.length) return "请先选择要检查的文件（.xlsx、.json 或已发布的报告）。";
      if (files.length > maxFiles) return "一次最多上传 " + maxFiles + " 个文件，请分批上传。";
      for (var i = 0; i < files.length; i++) {
        if (files[i].size > maxUpload) {
          return "“" + files[i].name + "”过大（超过 " + size(maxUpload) + "）。年度报告的文件（填报模板、Word、网页或 PDF）一般远小于此，请确认选对了文件。";
        }
      }
      return "";
    }

    function show(files) {
      list.textContent = "";
      for (var i = 0; i < files.length && i < 50; i++) {
        var li = document.createElement("li");
        li.textContent = files[i].name;
        list.appendChild(li);
      }
      if (files.length > 50) {
        var more = document.createElement("li");
        more.textContent = "……共 " + files.length + " 个文件";
        list.appendChild(more);
      }
      var message = check(files);
      problem.textContent = message;
      problem.hidden = !message;
      return !message;
    }

    // Choosing or dropping files only lists them: the 严格检查 box can still be ticked before 开始检查.
    input.addEventListener("change", function () {
      show(input.files);
    });
    form.addEventListener("submit", function (e) {
      if (!show(input.files)) e.preventDefault();
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
      show(input.files);
    });
  }

  function setupSort() {
    var table = document.getElementById("batch");
    if (!table) return;
    var body = table.tBodies[0];
    var state = {};
    table.querySelectorAll("button.sort").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.dataset.key;
        var dir = state[key] === 1 ? -1 : 1;
        state = {}; state[key] = dir;
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var d = Number(a.dataset[key]) - Number(b.dataset[key]);
          return d * dir || Number(a.dataset.index) - Number(b.dataset.index);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setupUpload(); setupSort(); });
})();
