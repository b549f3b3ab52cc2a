// The work item page: files dropped on the drop zone are uploaded at once (multipart, with the
// session's CSRF token in a header), then the page reloads to show their thumbnails.
(function () {
  "use strict";
  document.querySelectorAll("form.upload").forEach(function (form) {
    var zone = form.querySelector(".dropzone");
    if (!zone) return;
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    form.appendChild(status);
    function send(files) {
      var action = form.getAttribute("action").split("?")[0];
      var jobs = Array.prototype.map.call(files, function (f) {
        var body = new FormData();
        body.append("file", f, f.name);
        return fetch(action, {
          method: "POST", credentials: "same-origin", body: body,
          headers: { "X-CSRF-Token": form.dataset.csrf, "Accept": "application/json" }
        }).then(function (r) { if (!r.ok) throw new Error(f.name + ": upload refused (" + r.status + ")"); });
      });
      status.textContent = "Uploading…";
      Promise.all(jobs).then(function () { window.location.reload(); })
        .catch(function (e) { status.textContent = e.message; });
    }
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) send(e.dataTransfer.files);
    });
  });
})();
