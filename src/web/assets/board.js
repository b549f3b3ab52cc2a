// The board page: drag and drop of cards between stages and within a column, the keyboard
// equivalents, the side panel, and live updates from the project's change stream.
// Markup contract (web/board.rs): #board[data-move-url][data-card-url][data-live-url]
// [data-admin] > .lane[data-category] > .column[data-stage][data-stage-name] > ol.cards >
// li.card[data-id][data-stage][data-index][data-blocked]. Writes send the session's CSRF token.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var status = document.getElementById("board-status");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var isAdmin = board.dataset.admin === "true";

  function say(msg) {
    if (!status) return;
    // Cleared first so the same message twice is announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = msg; }, 30);
  }
  function urlFor(template, id) { return template.replace("{id}", String(id)); }
  function columnOf(card) { return card.closest(".column"); }
  function laneOf(el) { return el.closest(".lane"); }
  function stageName(col) { return col.dataset.stageName || ""; }
  function cardTitle(card) {
    var t = card.querySelector(".card-title");
    return t ? t.textContent.trim() : "card";
  }
  function columns(lane) { return Array.prototype.slice.call(lane.querySelectorAll(".column")); }
  function recount() {
    board.querySelectorAll(".column").forEach(function (col) {
      var n = col.querySelectorAll("li.card").length;
      var c = col.querySelector(".count");
      if (c) c.textContent = String(n);
    });
  }

  // Sends a move; the DOM has already changed (optimistic). On refusal the card goes back.
  function commit(card, origin, msg) {
    var col = columnOf(card);
    var next = card.nextElementSibling;
    while (next && !next.classList.contains("card")) next = next.nextElementSibling;
    var body = { stageId: Number(col.dataset.stage), beforeId: next ? Number(next.dataset.id) : null };
    card.dataset.stage = col.dataset.stage;
    card.setAttribute("aria-busy", "true");
    recount();
    return fetch(urlFor(board.dataset.moveUrl, card.dataset.id), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || ("The move was refused (" + r.status + ")."));
        card.dataset.index = String(j.boardIndex);
        card.dataset.stage = String(j.stageId);
        if (msg) say(msg);
      });
    }).catch(function (e) {
      rollback(card, origin);
      say(e.message || "The move failed.");
    }).then(function () { card.removeAttribute("aria-busy"); });
  }

  function place(card) { return { parent: card.parentNode, next: card.nextSibling, stage: card.dataset.stage }; }
  function rollback(card, origin) {
    origin.parent.insertBefore(card, origin.next);
    card.dataset.stage = origin.stage;
    recount();
    card.focus();
  }
  function stageAllowed(card, targetCol) {
    if (targetCol.dataset.stage === card.dataset.stage) return true;
    if (card.dataset.blocked === "true" && !isAdmin) {
      say(cardTitle(card) + " is blocked by an open dependency: only an admin can move it to another stage.");
      return false;
    }
    return true;
  }

  // Drag and drop (HTML5). Cards stay in their swimlane.
  var dragged = null;
  var dragOrigin = null;
  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("li.card");
    if (!card) return;
    dragged = card;
    dragOrigin = place(card);
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });
  function beforeCard(list, y) {
    var cards = Array.prototype.slice.call(list.querySelectorAll("li.card:not(.dragging)"));
    for (var i = 0; i < cards.length; i++) {
      var r = cards[i].getBoundingClientRect();
      if (y < r.top + r.height / 2) return cards[i];
    }
    return null;
  }
  board.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var col = e.target.closest && e.target.closest(".column");
    if (!col || laneOf(col) !== laneOf(dragged)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    board.querySelectorAll(".drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });
  board.addEventListener("drop", function (e) {
    if (!dragged) return;
    var col = e.target.closest && e.target.closest(".column");
    if (!col || laneOf(col) !== laneOf(dragged)) return;
    e.preventDefault();
    var card = dragged;
    var origin = dragOrigin;
    if (!stageAllowed(card, col)) return;
    var list = col.querySelector("ol.cards");
    var before = beforeCard(list, e.clientY);
    if (before === card) return;
    list.insertBefore(card, before);
    if (origin.parent === card.parentNode && origin.next === card.nextSibling) return;
    commit(card, origin, cardTitle(card) + " moved to " + stageName(col) + ".");
  });

  // Keyboard: Alt+Left/Right changes stage, Alt+Up/Down reorders within the column.
  board.addEventListener("keydown", function (e) {
    var card = e.target.closest && e.target.closest("li.card");
    if (!card || e.target !== card) return;
    if (e.key === "Enter") {
      var link = card.querySelector("a.card-title");
      if (link) { openPanel(link.href); e.preventDefault(); }
      return;
    }
    if (!e.altKey) return;
    var col = columnOf(card);
    var origin = place(card);
    var list = col.querySelector("ol.cards");
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      var cols = columns(laneOf(col));
      var target = cols[cols.indexOf(col) + (e.key === "ArrowLeft" ? -1 : 1)];
      if (!target) { say(cardTitle(card) + " is already in the " + (e.key === "ArrowLeft" ? "first" : "last") + " stage."); return; }
      if (!stageAllowed(card, target)) return;
      target.querySelector("ol.cards").appendChild(card);
      card.focus();
      commit(card, origin, cardTitle(card) + " moved to " + stageName(target) + ".");
    } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      e.preventDefault();
      var cards = Array.prototype.slice.call(list.querySelectorAll("li.card"));
      var i = cards.indexOf(card);
      var j = i + (e.key === "ArrowUp" ? -1 : 1);
      if (j < 0 || j >= cards.length) { say(cardTitle(card) + " is already at the " + (j < 0 ? "top" : "bottom") + "."); return; }
      list.insertBefore(card, e.key === "ArrowUp" ? cards[j] : cards[j].nextSibling);
      card.focus();
      commit(card, origin, cardTitle(card) + " is now number " + (j + 1) + " of " + cards.length + " in " + stageName(col) + ".");
    }
  });

  // The side panel: a card's title opens the work item fragment beside the board.
  var panel = document.getElementById("panel");
  function openPanel(href) {
    if (!panel) { window.location.href = href; return; }
    var u = new URL(href, window.location.href);
    u.searchParams.set("fragment", "1");
    fetch(u.toString(), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("status " + r.status);
      return r.text();
    }).then(function (html) {
      panel.querySelector(".panel-body").innerHTML = html;
      panel.hidden = false;
      var h = panel.querySelector("h2, h1");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }).catch(function () { window.location.href = href; });
  }
  board.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.card-title");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    openPanel(link.href);
  });
  if (panel) {
    panel.querySelector(".panel-close").addEventListener("click", function () { panel.hidden = true; });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") panel.hidden = true; });
  }

  // Live: the project's changes (SSE); a card another browser moved, created or edited is
  // fetched again from the server and put where its stage and position say.
  function putCard(html, id) {
    var old = board.querySelector('li.card[data-id="' + id + '"]');
    if (!html) { if (old) { old.remove(); recount(); } return; }
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var card = tpl.content.firstElementChild;
    if (!card) return;
    if (old && old.getAttribute("aria-busy") === "true") return; // our own move, in flight
    var lane = board.querySelector('.lane[data-category="' + card.dataset.lane + '"]') || board.querySelector(".lane");
    var col = lane && lane.querySelector('.column[data-stage="' + card.dataset.stage + '"]');
    if (!col) { if (old) old.remove(); recount(); return; }
    var focused = old && document.activeElement === old;
    if (old) old.remove();
    var list = col.querySelector("ol.cards");
    var index = Number(card.dataset.index);
    var before = null;
    list.querySelectorAll("li.card").forEach(function (c) {
      if (!before && Number(c.dataset.index) > index) before = c;
    });
    list.insertBefore(card, before);
    if (focused) card.focus();
    recount();
  }
  function refresh(id) {
    fetch(urlFor(board.dataset.cardUrl, id), { credentials: "same-origin" }).then(function (r) {
      if (r.status === 200) return r.text();
      if (r.status === 204 || r.status === 404) return "";
      throw new Error("status " + r.status);
    }).then(function (html) { putCard(html, id); }).catch(function () {});
  }
  if (board.dataset.liveUrl && window.EventSource) {
    var pending = {};
    var es = new EventSource(board.dataset.liveUrl);
    es.onmessage = function (m) {
      var c;
      try { c = JSON.parse(m.data); } catch (e) { return; }
      if (!c.event || c.event.indexOf("workitem.") !== 0) return;
      var id = c.event === "workitem.created" || c.event === "workitem.updated" || c.event === "workitem.deleted" ||
        c.event === "workitem.blocked" || c.event === "workitem.unblocked" ? c.entityId : (c.entity && c.entity.workItemId);
      if (!id) return;
      if (c.event === "workitem.deleted") { putCard("", id); return; }
      // Several changes of one item in a burst are fetched once.
      if (pending[id]) return;
      pending[id] = true;
      window.setTimeout(function () { delete pending[id]; refresh(id); }, 150);
    };
    board.dataset.live = "on";
  }
})();
