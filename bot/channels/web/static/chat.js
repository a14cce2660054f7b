// Haven's web chat: plain JavaScript, no build step, no third-party requests.
// The page keeps nothing in storage: a reload asks the server for what it showed.
// Quick exit (button, or Escape twice) never waits for the server: it marks this browser
// as gone (a content-free cookie), sends the erase as a beacon and replaces the page with
// a neutral one in the same moment, so that Back does not return here.
"use strict";

(function () {
  const ESCAPE_WINDOW_MS = 1000;
  const INBOX_POLL_MS = 3000;  // while a person is on the way or there
  const CHARS_LEFT_FROM = 100;  // the count shows from this many characters left
  const RESTORED_QUIET_MS = 500;  // a restored conversation is not announced line by line
  const BOUNDARY = /[,،，:;.!?。！？\n]/g;  // where the words that name a number's use stop
  // A number to call: 3 to 15 digits, with the spaces, dashes, dots and brackets numbers
  // are written with; not inside a word, a time, a date, a fraction or a decimal.
  const NUMBER = /(^|[^0-9A-Za-z_:\/.,+\-])([+(]?\d[\d ().\u00a0\-]*\d\)?)(?![0-9A-Za-z_\/]|[.,:\-]\d)/g;
  const NOT_A_NUMBER = /^(\d{4}-\d{2}-\d{2}|\d+\.\d+)$/;  // a date, a decimal

  const page = document.documentElement;
  const pageTexts = JSON.parse(document.getElementById("page-texts").textContent);
  const exitButton = document.getElementById("quick-exit");
  const log = document.getElementById("log");
  const options = document.getElementById("options");
  const statusLine = document.getElementById("status");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const charsLeft = document.getElementById("chars-left");
  const exitUrl = exitButton.dataset.exit;
  let inboxAfter = 0;
  let polling = null;
  let lastEscape = 0;
  let leaving = false;

  // -- the page's own words, in the conversation's language --------------------------------

  function textsOf(lang) {
    return pageTexts.texts[lang] || pageTexts.texts.en;
  }

  function t(key) {
    return textsOf(page.lang)[key];
  }

  function isRtl(lang) {
    return pageTexts.rtl.indexOf(lang) !== -1;
  }

  // The page follows the conversation's language, never the direction of one message: an
  // advocate's English line in an Arabic chat leaves the page right to left.
  function setLanguage(lang) {
    if (!lang || pageTexts.languages.indexOf(lang) === -1 || lang === page.lang) return;
    page.lang = lang;
    page.dir = isRtl(lang) ? "rtl" : "ltr";
    applyTexts();
  }

  function applyTexts() {
    document.querySelectorAll("[data-text]").forEach(function (element) {
      element.textContent = t(element.dataset.text);
      if (log.contains(element)) {  // a label inside a message keeps the page's language
        element.lang = page.lang;
        element.dir = page.dir;
      }
    });
    document.querySelectorAll("[data-label]").forEach(function (element) {
      element.setAttribute("aria-label", t(element.dataset.label));
    });
    document.querySelectorAll("[data-placeholder]").forEach(function (element) {
      element.placeholder = t(element.dataset.placeholder);
    });
    showCharsLeft();
  }

  function label(key, hidden) {
    const span = document.createElement("span");
    span.className = hidden ? "speaker visually-hidden" : "speaker";
    span.dataset.text = key;
    span.textContent = t(key);
    span.lang = page.lang;
    span.dir = page.dir;
    return span;
  }

  // -- quick exit ----------------------------------------------------------------------------

  function quickExit() {
    if (leaving) return;
    leaving = true;
    stopPolling();
    // Should the erase be lost, the next request from this browser erases instead.
    document.cookie = "haven_left=1; path=/; SameSite=Strict" +
      (location.protocol === "https:" ? "; Secure" : "");
    let queued = false;
    try { queued = navigator.sendBeacon("/chat/exit"); } catch (e) { queued = false; }
    if (!queued) {
      fetch("/chat/exit", { method: "POST", credentials: "same-origin", keepalive: true })
        .catch(function () {});
    }
    log.textContent = "";
    options.textContent = "";
    window.location.replace(exitUrl);
  }

  // -- messages --------------------------------------------------------------------------------

  // Numbers become links that call (or text, where the words before them say so), each kept
  // left to right inside right-to-left text. Only text nodes are made: nothing a message
  // says is ever read as HTML.
  function addText(container, text, lang) {
    const smsWords = (textsOf(lang)["sms_words"] || "").toLowerCase().split("|").filter(Boolean);
    let last = 0;
    let match;
    NUMBER.lastIndex = 0;
    while ((match = NUMBER.exec(text)) !== null) {
      const number = match[2];
      const start = match.index + match[1].length;
      const digits = number.replace(/[^\d]/g, "");
      const year = digits.length === 4 && number === digits && +digits >= 1900 && +digits < 2100;
      if (digits.length < 3 || digits.length > 15 || year || NOT_A_NUMBER.test(number)) continue;
      const before = text.slice(last, start);
      container.appendChild(document.createTextNode(before));
      const clause = before.split(BOUNDARY).pop().toLowerCase();
      const texted = smsWords.some(function (word) { return clause.indexOf(word) !== -1; });
      const isolate = document.createElement("bdi");
      isolate.dir = "ltr";
      const link = document.createElement("a");
      link.className = "number";
      link.href = (texted ? "sms:" : "tel:") + (number.trim()[0] === "+" ? "+" : "") + digits;
      link.textContent = number;
      isolate.appendChild(link);
      container.appendChild(isolate);
      last = start + number.length;
    }
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  const SPEAKERS = { person: "you", haven: "haven", notice: "notice" };

  // who: person, haven, advocate or notice. lang and rtl are the reply's, where known; a line
  // restored from the server, or written by a person, finds its own direction.
  function addMessage(who, text, lang, rtl, name) {
    const item = document.createElement("div");
    item.className = "message " + who + (who === "haven" ? " bot" : "");
    if (who === "advocate") {
      const speaker = name ? document.createElement("span") : label("advocate", false);
      if (name) { speaker.className = "speaker"; speaker.textContent = name; speaker.dir = "auto"; }
      item.appendChild(speaker);
    } else {
      item.appendChild(label(SPEAKERS[who], true));
    }
    const body = document.createElement("span");
    body.className = "text";
    if (who === "person") body.textContent = text; else addText(body, text, lang || page.lang);
    item.appendChild(body);
    if (lang) item.lang = lang;
    item.dir = (rtl === true || rtl === false) && who !== "advocate" ? (rtl ? "rtl" : "ltr") : "auto";
    log.appendChild(item);
    document.getElementById("start-hint").hidden = true;
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showOptions(list, lang, rtl) {
    options.textContent = "";
    list.forEach(function (option) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.dataset.choice = option.id;
      // A language's own name is in that language ("Español" on an English menu).
      const itsLanguage = pageTexts.languages.indexOf(option.id) !== -1;
      const buttonLang = itsLanguage ? option.id : lang;
      if (buttonLang) button.lang = buttonLang;
      button.dir = (itsLanguage ? isRtl(option.id) : rtl) ? "rtl" : "ltr";
      button.addEventListener("click", function () { send({ choice: option.id }, option.label); });
      options.appendChild(button);
    });
  }

  function setState(state) {
    const key = { queued: "queued", assigned: "with_advocate" }[state];
    if (key) { statusLine.dataset.text = key; statusLine.textContent = t(key); }
    else { delete statusLine.dataset.text; statusLine.textContent = ""; }
  }

  function showItem(item) {
    setLanguage(item.lang);
    const who = item.from || "haven";
    let choices = [];
    let rtl = false;
    item.replies.forEach(function (reply) {
      addMessage(who, reply.text, item.lang, reply.rtl, item.name);
      if (reply.options.length) { choices = reply.options; rtl = reply.rtl; }
    });
    if (who !== "notice" || choices.length) showOptions(choices, item.lang, rtl);
    if (item.state) setState(item.state);
    if (item.with_person) startPolling();
  }

  // -- the server ------------------------------------------------------------------------------

  // An advocate's words are not an answer to a request: while a person is on the way or
  // there, the page asks for them every few seconds. Asking acknowledges what it showed.
  function checkInbox() {
    if (leaving) return;
    fetch("/chat/inbox?after=" + inboxAfter, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (inbox) {
        if (!inbox || leaving) return;
        inbox.items.forEach(function (item) {
          inboxAfter = Math.max(inboxAfter, item.id);
          showItem(item);
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

  function newId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function mark(item, state) {
    item.classList.remove("sending", "failed");
    item.querySelectorAll(".delivery").forEach(function (old) { old.remove(); });
    if (state === "sent") return;
    item.classList.add(state);
    const note = document.createElement("span");
    note.className = "delivery";
    note.dataset.text = state === "sending" ? "sending" : "not_sent";
    note.textContent = t(note.dataset.text);
    if (state === "sending") note.setAttribute("aria-hidden", "true");
    item.appendChild(note);
  }

  // A message is shown as sent only once Haven has it; one that did not reach it stays,
  // marked, with a button to send it again (with the same id: a copy that did arrive is
  // answered with what it got, not taken twice).
  function attempt(payload, mine) {
    mark(mine, "sending");
    if (navigator.onLine === false) { failed(payload, mine); return; }
    fetch("/chat/messages", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("not taken");
        return response.json();
      })
      .then(function (outcome) {
        if (leaving) return;
        mark(mine, "sent");
        // A typed quick-exit word or STOP erased the conversation: leave as the button does.
        if (outcome.exited && !outcome.replies.length) { quickExit(); return; }
        showItem(outcome);
      })
      .catch(function () { failed(payload, mine); });
  }

  function failed(payload, mine) {
    if (leaving) return;
    mark(mine, "failed");
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry delivery";
    retry.dataset.text = "retry";
    retry.textContent = t("retry");
    retry.addEventListener("click", function () { attempt(payload, mine); });
    mine.appendChild(retry);
  }

  function send(payload, shown) {
    payload.id = newId();
    options.textContent = "";
    attempt(payload, addMessage("person", shown, null, null, null));
  }

  function restore() {
    fetch("/chat/history", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (shown) {
        if (!shown || leaving || !shown.lines.length) return;
        setLanguage(shown.lang);
        const typed = log.firstChild;  // what the person wrote before the answer came stays last
        log.setAttribute("aria-live", "off");  // read as a page, not announced line by line
        shown.lines.forEach(function (line) {
          log.insertBefore(addMessage(line.from, line.text, null, null, null), typed);
        });
        window.setTimeout(function () { log.setAttribute("aria-live", "polite"); }, RESTORED_QUIET_MS);
        if (!options.childNodes.length) showOptions(shown.options, shown.lang, isRtl(shown.lang));
        inboxAfter = Math.max(inboxAfter, shown.after);
        setState(shown.state);
        if (shown.with_person) startPolling();
      })
      .catch(function () {});
  }

  function showCharsLeft() {
    const left = input.maxLength - input.value.length;
    charsLeft.textContent = left <= CHARS_LEFT_FROM ? t("chars_left").replace("{count}", left) : "";
  }

  exitButton.addEventListener("click", quickExit);
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
    showCharsLeft();
    send({ text: text }, text);
  });
  input.addEventListener("input", showCharsLeft);
  restore();
  input.focus();
})();
