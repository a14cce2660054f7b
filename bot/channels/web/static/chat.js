// Haven's web chat: plain JavaScript, no build step, no third-party requests.
// The page keeps nothing in storage; quick exit (button, or Escape twice) erases the
// conversation on the server, clears what the page could have stored, and replaces
// the page with a neutral one so that Back does not return here.
"use strict";

(function () {
  const ESCAPE_WINDOW_MS = 1000;
  const INBOX_POLL_MS = 3000;  // while a person is on the way or there
  let inboxAfter = 0;
  let polling = null;
  let exitUrl = "https://www.google.com/search?q=weather";
  let lastEscape = 0;
  let leaving = false;

  const log = document.getElementById("log");
  const options = document.getElementById("options");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");

  function quickExit() {
    if (leaving) return;
    leaving = true;
    stopPolling();
    try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage may be off */ }
    log.textContent = "";
    options.textContent = "";
    fetch("/chat/exit", { method: "POST", credentials: "same-origin", keepalive: true })
      .catch(function () {})
      .finally(function () { window.location.replace(exitUrl); });
  }

  function show(text, who, rtl, lang) {
    const item = document.createElement("div");
    item.className = "message " + who;
    item.textContent = text;  // text only: nothing a message says is ever rendered as HTML
    if (rtl) item.setAttribute("dir", "rtl");
    if (lang) item.setAttribute("lang", lang);
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showOptions(list, lang, rtl) {
    options.textContent = "";
    list.forEach(function (option) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.dataset.choice = option.id;
      if (lang) button.setAttribute("lang", lang);
      if (rtl) button.setAttribute("dir", "rtl");
      button.addEventListener("click", function () { send({ choice: option.id }, option.label); });
      options.appendChild(button);
    });
  }

  function showOutcome(outcome) {
    const rtl = outcome.replies.some(function (reply) { return reply.rtl; });
    document.documentElement.setAttribute("lang", outcome.lang || "en");
    document.documentElement.setAttribute("dir", rtl ? "rtl" : "ltr");
    let choices = [];
    outcome.replies.forEach(function (reply) {
      show(reply.text, "bot", reply.rtl, outcome.lang);
      if (reply.options.length) choices = reply.options;
    });
    showOptions(choices, outcome.lang, rtl);
    if (outcome.with_person) startPolling();
  }

  // An advocate's words are not an answer to a request: while a person is on the way or
  // there, the page asks for them every few seconds. Asking acknowledges what it showed.
  function checkInbox() {
    if (leaving) return;
    fetch("/chat/inbox?after=" + inboxAfter, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (inbox) {
        if (!inbox) return;
        inbox.items.forEach(function (item) {
          inboxAfter = Math.max(inboxAfter, item.id);
          showOutcome(item);
        });
        if (!inbox.with_person && !inbox.items.length) stopPolling();
      })
      .catch(function () {});
  }

  function startPolling() {
    if (polling === null) polling = window.setInterval(checkInbox, INBOX_POLL_MS);
  }

  function stopPolling() {
    if (polling !== null) window.clearInterval(polling);
    polling = null;
  }

  function send(payload, shown) {
    if (shown) show(shown, "person", false, null);
    options.textContent = "";
    return fetch("/chat/messages", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (outcome) {
        if (!outcome) { show("Sorry, that did not reach us. Please try again.", "bot", false, "en"); return; }
        // A typed quick-exit word or STOP erased the conversation: leave as the button does.
        if (outcome.exited && !outcome.replies.length) { quickExit(); return; }
        showOutcome(outcome);
      });
  }

  document.getElementById("quick-exit").addEventListener("click", quickExit);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape <= ESCAPE_WINDOW_MS) quickExit();
    lastEscape = now;
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });
  fetch("/chat/config", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (config) { exitUrl = config.exit_url || exitUrl; })
    .catch(function () {});
  input.focus();
})();
