// The design model tree: drag an element onto another to make it its child, or onto the
// top-level area to make it a root. Sends the same form as the "Move to" list (with the CSRF
// token), then reloads the tree.
(function () {
  "use strict";
  var root = document.getElementById("design");
  if (!root) return;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var dragged = null;
  root.addEventListener("dragstart", function (e) {
    var el = e.target.closest && e.target.closest("li.element");
    if (!el) return;
    dragged = el;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", el.dataset.id);
    e.stopPropagation();
  });
  root.addEventListener("dragend", function () {
    dragged = null;
    root.querySelectorAll(".drop-target").forEach(function (x) { x.classList.remove("drop-target"); });
  });
  function target(e) {
    var t = e.target.closest && (e.target.closest("li.element") || e.target.closest(".root-drop"));
    if (!t || !dragged || t === dragged || dragged.contains(t)) return null;
    return t;
  }
  root.addEventListener("dragover", function (e) {
    var t = target(e);
    if (!t) return;
    e.preventDefault();
    root.querySelectorAll(".drop-target").forEach(function (x) { if (x !== t) x.classList.remove("drop-target"); });
    t.classList.add("drop-target");
  });
  root.addEventListener("drop", function (e) {
    var t = target(e);
    if (!t) return;
    e.preventDefault();
    e.stopPropagation();
    var body = new URLSearchParams();
    body.set("_csrf", csrf);
    body.set("parent_id", t.classList.contains("root-drop") ? "" : t.dataset.id);
    fetch(root.dataset.parentUrl.replace("{id}", dragged.dataset.id), {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (!r.ok && r.status !== 303) throw new Error("The move was refused (" + r.status + ").");
      window.location.reload();
    }).catch(function (err) { window.alert(err.message); });
  });
})();
