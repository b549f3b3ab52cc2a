// Questlog's shared script: the CSRF-aware fetch helper and small progressive enhancements.
// Pages work without it; it only makes some of them nicer.
"use strict";

(function () {
  function csrfToken() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // fetch() for the web routes: same-origin cookies, the CSRF header on every write, JSON in
  // and out. Resolves with the parsed body (or text); rejects with an Error carrying `status`.
  async function api(method, url, body) {
    const opts = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET" && method !== "HEAD") {
      opts.headers["X-CSRF-Token"] = csrfToken();
    }
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(url, opts);
    const type = res.headers.get("Content-Type") || "";
    const data = type.includes("application/json") ? await res.json() : await res.text();
    if (!res.ok) {
      const err = new Error((data && data.message) || res.statusText || "Request failed");
      err.status = res.status;
      err.body = data;
      throw err;
    }
    return data;
  }

  window.Questlog = { api: api, csrfToken: csrfToken };

  document.addEventListener("DOMContentLoaded", function () {
    // Forms with data-confirm ask first (deleting, revoking, signing out everywhere).
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
    // A "copy" button next to a secret shown once.
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        const el = document.getElementById(b.getAttribute("data-copy"));
        if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim());
        b.textContent = "Copied";
      });
    });
  });
})();
