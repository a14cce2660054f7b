// Haven's advocate console: plain JavaScript over the JSON API at /advocate/api/, no build step.
// Live updates come from the Server-Sent Events stream /advocate/api/events. Every text from a
// conversation is written with textContent: nothing anyone sends is ever rendered as HTML.
//
// Honest state: what the page shows belongs to one signed-in session (every answer that
// arrives after a sign-out or a new sign-in is dropped), a status line belongs to one action
// and fades, and a banner says when the live stream is down and the page may be out of date.
"use strict";

(function () {
  const API = "/advocate/api";
  const TITLE = "Haven console";
  const STATUS_SECONDS = 8;     // how long a status line stays before it fades
  const WARN_SECONDS = 60;      // the idle warning comes this long before the session ends
  const TOUCH_SECONDS = 30;     // typing tells the server at most this often
  const RECHECK_SECONDS = 3;    // after the server refused the stream, ask again this late
  const DURATION_SECONDS = 15;  // "waiting 4 min" is written again this often

  let csrf = "";
  let me = null;
  let generation = 0;           // one per signed-in session: late answers of another are dropped
  let current = null;           // the open conversation
  let shownIds = new Set();     // message ids shown in the open conversation
  let messageNodes = new Map(); // message id -> its bubble, for delivery updates
  let drafts = new Map();       // conversation id -> unsent reply (in memory only)
  let unread = new Set();
  let knownQueue = null;        // ids of the queue last shown; null until the first one
  let queueItems = [];
  let heldIds = new Set();
  let stream = null;
  let streamUp = false;
  let recheckTimer = 0;
  let ticker = 0;
  let idleMs = 0;
  let deadline = 0;             // when the session ends without activity (browser's clock, ms)
  let checkingSession = false;
  let skew = 0;                 // the server's clock minus the browser's, for waiting times
  let lastCall = 0;
  let lastDurations = 0;
  let sending = false;

  const $ = function (id) { return document.getElementById(id); };
  const languageNames = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames(["en"], { type: "language" }) : null;
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dated = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  // A phone number: digits with spaces, dots, dashes or brackets between, at least six long.
  const NUMBER = /\+?\(?\d[\d \u00a0().-]{4,}\d/g;

  const regionNames = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames(["en"], { type: "region" }) : null;

  // A country as a name: the API may give an ISO code ("MX") or a name as the person wrote it.
  function countryName(country) {
    if (!country) return "country unknown";
    if (!/^[A-Z]{2}$/.test(country)) return country;
    try { return (regionNames && regionNames.of(country)) || country; } catch (e) { return country; }
  }

  function languageName(code) {
    if (!code) return "unknown language";
    try { return (languageNames && languageNames.of(code)) || code; } catch (e) { return code; }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text as text; phone numbers isolated left to right, so that Arabic does not reorder them.
  function appendText(node, text) {
    let last = 0;
    for (const match of String(text).matchAll(NUMBER)) {
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      const number = element("bdi", "number", match[0]);
      number.setAttribute("dir", "ltr");
      node.appendChild(number);
      last = match.index + match[0].length;
    }
    node.appendChild(document.createTextNode(String(text).slice(last)));
    return node;
  }

  function timeElement(iso) {
    const date = iso ? new Date(iso) : new Date();
    const node = element("time");
    if (isNaN(date.getTime())) return node;
    node.dateTime = date.toISOString();
    node.textContent = (date.toDateString() === new Date().toDateString() ? clock : dated).format(date);
    node.title = date.toLocaleString();
    return node;
  }

  function serverNow() { return Date.now() + skew; }

  function duration(ms) {
    const minutes = Math.floor(ms / 60000);
    if (minutes < 1) return "less than a minute";
    if (minutes < 60) return minutes + " min";
    return Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
  }

  // "waiting 4 min", written again every DURATION_SECONDS.
  function since(prefix, iso) {
    const node = element("span", "since");
    node.dataset.prefix = prefix;
    node.dataset.since = iso;
    writeDuration(node);
    return node;
  }

  function writeDuration(node) {
    node.textContent = node.dataset.prefix + " " + duration(serverNow() - Date.parse(node.dataset.since));
  }

  // -- the API ---------------------------------------------------------------------------

  function api(method, path, body) {
    const asked = generation;
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (asked !== generation) throw stale();
      if (response.status === 401 && path !== "/login" && me) {
        signedOut("You are signed out: the session ended.");
        throw stale();
      }
      if (response.ok && path !== "/me/session") called();
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (asked !== generation) throw stale();
        if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : "request failed");
        return data;
      });
    });
  }

  function stale() {
    const error = new Error("no longer current");
    error.stale = true;
    return error;
  }

  // -- status lines: each belongs to one action and fades ----------------------------------

  let actionSeq = 0;
  const statusTimers = [];

  function clearStatus() {
    statusTimers.splice(0).forEach(clearTimeout);
    ["status", "admin-status"].forEach(function (id) {
      $(id).textContent = "";
      $(id).classList.remove("fading");
    });
  }

  // A new action: it clears the last one's status, and only its own answer may write one.
  function action(where) {
    const token = ++actionSeq;
    const target = where || "status";
    clearStatus();
    return function say(text) {
      if (token !== actionSeq) return;
      clearStatus();
      $(target).textContent = text;
      statusTimers.push(setTimeout(function () {
        $(target).classList.add("fading");
        statusTimers.push(setTimeout(clearStatus, 1000));
      }, STATUS_SECONDS * 1000));
    };
  }

  function failure(say) {
    return function (error) { if (!error.stale) say(error.message); };
  }

  // -- alerts: a sound, a desktop notification, the title, the screen reader -------------

  let audio = null;

  // Browsers let a page make sound only after a click or a key: the first one starts it.
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume().catch(function () {});
  }
  document.addEventListener("pointerdown", unlockAudio);
  document.addEventListener("keydown", unlockAudio);

  function tone(at, frequency, seconds, volume, wave) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = wave;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(volume, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + seconds + 0.05);
  }

  // A soft rising pair for a new chat; three loud, harsh pairs for an emergency.
  function chime(emergency) {
    if (!audio || !$("sound").checked) return;
    const start = audio.currentTime + 0.05;
    if (!emergency) {
      tone(start, 660, 0.3, 0.15, "sine");
      tone(start + 0.16, 880, 0.4, 0.15, "sine");
      return;
    }
    for (let i = 0; i < 3; i += 1) {
      tone(start + i * 0.45, 988, 0.18, 0.4, "square");
      tone(start + i * 0.45 + 0.2, 740, 0.18, 0.4, "square");
    }
  }

  function showAlertControls() {
    const supported = "Notification" in window;
    const permission = supported ? Notification.permission : "denied";
    $("alerts-on").hidden = !supported || permission !== "default";
    $("alerts-blocked").hidden = !supported || permission !== "denied";
  }

  // Asked only on a click (browsers ignore or block a page that asks on its own).
  function askForAlerts() {
    if (!("Notification" in window) || Notification.permission !== "default") return;
    Promise.resolve(Notification.requestPermission()).then(showAlertControls, showAlertControls);
  }

  function notify(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const emergency = isEmergency(item);
    try {
      const shown = new Notification(emergency ? "Emergency: a chat is waiting" : "New chat waiting", {
        body: describe(item),
        tag: "haven-" + item.id,
        requireInteraction: emergency,
        silent: true,  // the page plays its own sound, which the advocate can turn off
      });
      shown.onclick = function () { window.focus(); focusEntry("queue", item.id); shown.close(); };
    } catch (e) { /* a browser that allows notifications only from a service worker */ }
  }

  function announceUrgently(text) {
    $("urgent").textContent = "";
    setTimeout(function () { $("urgent").textContent = text; }, 50);
  }

  // New chats sound and notify while the advocate is available; emergencies always do.
  function alertNewChats(fresh) {
    const emergencies = fresh.filter(isEmergency);
    if (emergencies.length) announceUrgently("Emergency chat waiting: " + describe(emergencies[0]));
    if (!emergencies.length && !$("available").checked) return;
    chime(emergencies.length > 0);
    (emergencies.length ? emergencies : fresh).slice(0, 3).forEach(notify);
  }

  function showTitle() {
    const count = queueItems.length;
    document.title = count ? "(" + count + ") " + TITLE : TITLE;
    $("queue-count").textContent = String(count);
  }

  $("alerts-on").addEventListener("click", askForAlerts);

  // -- the live stream -------------------------------------------------------------------

  function listen() {
    closeStream();
    const opened = new EventSource(API + "/events");
    stream = opened;
    opened.addEventListener("open", function () { if (stream === opened) connected(true); });
    opened.addEventListener("error", function () {
      if (stream !== opened) return;
      connected(false);
      // The browser reconnects by itself after a network failure, not after an HTTP error.
      if (opened.readyState === EventSource.CLOSED) recheck();
    });
    opened.addEventListener("queue", function (event) { showQueue(JSON.parse(event.data).items); });
    opened.addEventListener("held", function (event) { showHeld(JSON.parse(event.data).items); });
    opened.addEventListener("message", function (event) {
      const message = JSON.parse(event.data);
      if (current && message.conversation === current.id) showMessage(message);
      else { unread.add(message.conversation); markEntries(); }
    });
    opened.addEventListener("delivery", function (event) {
      const change = JSON.parse(event.data);
      if (current && change.conversation === current.id) showDelivery(change);
    });
    opened.addEventListener("availability", function (event) { showMe(JSON.parse(event.data)); });
    opened.addEventListener("session", function (event) { setClock(JSON.parse(event.data)); });
    opened.addEventListener("presence", function (event) { showPresence(JSON.parse(event.data).items); });
    opened.addEventListener("supervision", function (event) { showEveryone(JSON.parse(event.data).items); });
    opened.addEventListener("signed_out", function () {
      signedOut("You are signed out: the session ended.");
    });
  }

  function closeStream() {
    clearTimeout(recheckTimer);
    if (stream) stream.close();
    stream = null;
    streamUp = false;
  }

  function connected(up) {
    streamUp = up;
    $("connection").hidden = up;
    document.querySelector(".lists").classList.toggle("stale", !up);
  }

  // The server refused the stream: the session ended (then the page signs out), or a proxy
  // in between answered for a server that is down (then ask again a little later).
  function recheck() {
    clearTimeout(recheckTimer);
    recheckTimer = setTimeout(function () {
      api("GET", "/me").then(function (profile) {
        showMe(profile);
        setClock(profile);
        listen();
        if (current) open(current, false);  // a new stream starts now: fetch what was missed
      }).catch(function (error) { if (!error.stale) recheck(); });
    }, RECHECK_SECONDS * 1000);
  }

  // -- signing in and out, and the idle timeout -------------------------------------------

  function resetPage() {
    generation += 1;
    closeStream();
    clearInterval(ticker);
    hideConversation();
    csrf = ""; me = null; knownQueue = null; queueItems = []; heldIds = new Set();
    unread = new Set(); drafts = new Map(); idleMs = 0; deadline = 0; lastCall = 0; skew = 0;
    actionSeq += 1;
    clearStatus();
    ["queue", "held", "everyone", "presence", "accounts"].forEach(function (id) { $(id).textContent = ""; });
    ["queue-empty", "held-empty", "everyone-empty"].forEach(function (id) { $(id).hidden = false; });
    $("available").checked = false;
    $("me").textContent = "";
    $("hours").textContent = "";
    $("urgent").textContent = "";
    $("connection").hidden = true;
    $("idle").hidden = true;
    document.querySelector(".lists").classList.remove("stale");
    $("transfer-to").length = 1;
    $("close-outcome").length = 1;
    ["admin", "shortcuts"].forEach(function (id) { if ($(id).open) $(id).close(); });
    showTitle();
  }

  function signedOut(note) {
    resetPage();
    $("console").hidden = true;
    $("login").hidden = false;
    $("login-note").textContent = note || "";
    $("login-error").textContent = "";
    $("login-username").focus();
  }

  function signedIn(profile) {
    resetPage();
    me = profile;
    csrf = profile.csrf_token;
    skew = profile.server_time ? Date.parse(profile.server_time) - Date.now() : 0;
    setClock(profile);
    $("login").hidden = true;
    $("login-note").textContent = "";
    $("console").hidden = false;
    $("me").textContent = (profile.display_name || profile.username) + (profile.role === "admin" ? " (admin)" : "");
    showMe(profile);
    $("admin-open").hidden = profile.role !== "admin";
    $("supervisor").hidden = profile.role !== "admin";
    const outcome = $("close-outcome");
    profile.outcomes.forEach(function (name) { outcome.appendChild(new Option(name.replace("_", " "), name)); });
    showAlertControls();
    loadHours();
    loadAccounts();
    if (profile.role === "admin") loadSupervision();
    ticker = setInterval(tick, 1000);
    listen();
  }

  const PRESENCE = {
    available: "available", away: "not taking chats", connection_lost: "connection lost", signed_out: "signed out",
  };

  // What the server says of the advocate: the toggle shows the server's state, never a guess.
  function showMe(profile) {
    $("available").checked = Boolean(profile.available);
  }

  // The server's word on when the session ends without activity (GET me, the stream, a touch).
  function setClock(clock) {
    if (typeof clock.idle_seconds === "number") idleMs = clock.idle_seconds * 1000;
    if (typeof clock.idle_seconds_left === "number") {
      deadline = Date.now() + clock.idle_seconds_left * 1000;
      lastCall = deadline - idleMs;  // the activity the server counted last
    }
    $("idle").hidden = !deadline || deadline - Date.now() > WARN_SECONDS * 1000;
  }

  // Between the server's words: any call but GET me/session counts as activity.
  function called() {
    lastCall = Date.now();
    if (idleMs) deadline = lastCall + idleMs;
    $("idle").hidden = true;
  }

  // The timeout passed and no stream says what became of the session: ask without touching it.
  function checkSession() {
    if (checkingSession) return;
    checkingSession = true;
    api("GET", "/me/session").then(setClock).catch(function (error) {
      if (!error.stale) signedOut("You are signed out after a time without activity.");
    }).finally(function () { checkingSession = false; });
  }

  function tick() {
    if (!me) return;
    const now = Date.now();
    if (now - lastDurations >= DURATION_SECONDS * 1000) {
      lastDurations = now;
      document.querySelectorAll("[data-since]").forEach(writeDuration);
    }
    if (!deadline) return;
    const left = deadline - now;
    if (left <= 0) {
      // A live stream says when the session ends (another tab may have kept it alive);
      // without one, the page must not go on looking signed in.
      if (!streamUp) checkSession();
      else if (left < -5000) { deadline = 0; $("idle").hidden = true; }
      return;
    }
    $("idle").hidden = left > WARN_SECONDS * 1000;
    $("idle-left").textContent = "(" + Math.ceil(left / 1000) + " s)";
  }

  function touch() {
    api("POST", "/me/touch").then(setClock).catch(function () {});
  }

  // Typing is activity too, though it calls nothing until Send: tell the server now and then,
  // and at once when the warning shows.
  function typing() {
    if (me && (!$("idle").hidden || Date.now() - lastCall > TOUCH_SECONDS * 1000)) touch();
  }

  $("idle-stay").addEventListener("click", touch);
  ["reply-text", "note-text", "transfer-note"].forEach(function (id) { $(id).addEventListener("input", typing); });

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    $("login-error").textContent = "";
    $("login-note").textContent = "";
    api("POST", "/login", { username: $("login-username").value, password: $("login-password").value })
      .then(function () { $("login-password").value = ""; return api("GET", "/me"); })
      .then(signedIn)
      .catch(function (error) { if (!error.stale) $("login-error").textContent = error.message; });
  });

  $("logout").addEventListener("click", function () {
    api("POST", "/logout").catch(function () {}).finally(function () { signedOut("You are signed out."); });
  });

  $("available").addEventListener("change", function (event) {
    const say = action();
    const wanted = event.target.checked;
    if (wanted) askForAlerts();
    api("POST", "/me/availability", { available: wanted })
      .then(function (data) {
        showMe(data);
        say(data.available ? "You are available for chats." : "You are not taking chats.");
      })
      .catch(function (error) {
        if (error.stale) return;
        $("available").checked = !wanted;
        say(error.message);
      });
  });

  // -- the lists -------------------------------------------------------------------------

  function isEmergency(item) { return Boolean(item.emergency) || item.priority === "emergency"; }

  function describe(item) {
    return languageName(item.language) + " · " + countryName(item.country) + " · " + item.channel;
  }

  function itemBox(item) {
    const box = element("div");
    const line = element("div");
    const language = element("span", "lang", (item.language || "?").toUpperCase());
    language.title = languageName(item.language);
    line.appendChild(language);
    line.appendChild(document.createTextNode(" " + describe(item)));
    box.appendChild(line);
    if (isEmergency(item)) box.appendChild(element("strong", "urgent", "Emergency "));
    if (item.state !== "assigned") {
      box.appendChild(since("waiting", item.waiting_since));
      return box;
    }
    if (item.assigned_to && me && item.assigned_to !== me.username) {
      box.appendChild(element("div", "hint", "held by " + (item.assigned_name || item.assigned_to)));
    }
    // A held chat: how long the person has waited for an answer, else how long it is held.
    const waited = item.unanswered_since
      ? since("waiting for a reply", item.unanswered_since) : since("held", item.held_since || item.waiting_since);
    box.appendChild(element("div")).appendChild(waited);
    return box;
  }

  // Entries are kept when their item did not change: a screen reader hears only new ones.
  function fillList(list, items, build) {
    const old = new Map();
    Array.from(list.children).forEach(function (entry) { old.set(entry.dataset.id, entry); });
    items.forEach(function (item, index) {
      const signature = JSON.stringify(item);
      let entry = old.get(item.id);
      old.delete(item.id);
      if (!entry || entry.dataset.signature !== signature) {
        const fresh = build(item);
        fresh.dataset.id = item.id;
        fresh.dataset.signature = signature;
        if (entry) entry.remove();
        entry = fresh;
      }
      if (list.children[index] !== entry) list.insertBefore(entry, list.children[index] || null);
    });
    old.forEach(function (entry) { entry.remove(); });
  }

  function entry(item) {
    return element("li", isEmergency(item) ? "emergency" : "");
  }

  function button(text, className, onClick, label) {
    const node = element("button", className, text);
    node.type = "button";
    if (label) node.setAttribute("aria-label", label);
    node.addEventListener("click", onClick);
    return node;
  }

  function showQueue(items) {
    const fresh = knownQueue ? items.filter(function (item) { return !knownQueue.has(item.id); }) : [];
    knownQueue = new Set(items.map(function (item) { return item.id; }));
    queueItems = items;
    fillList($("queue"), items, function (item) {
      const line = entry(item);
      line.appendChild(itemBox(item));
      line.appendChild(button("Claim", "claim", function () { claim(item); }, "Claim: " + describe(item)));
      return line;
    });
    $("queue-empty").hidden = items.length > 0;
    showTitle();
    if (fresh.length) alertNewChats(fresh);
  }

  function claim(item) {
    const say = action();
    api("POST", "/conversations/" + item.id + "/claim")
      .then(function (claimed) { open(claimed); })
      .catch(failure(say));
  }

  function heldEntry(item) {
    const line = entry(item);
    line.appendChild(itemBox(item));
    line.appendChild(button("Open", "secondary open", function () { open(item); }, "Open: " + describe(item)));
    return line;
  }

  function showHeld(items) {
    heldIds = new Set(items.map(function (item) { return item.id; }));
    fillList($("held"), items, heldEntry);
    $("held-empty").hidden = items.length > 0;
    if (current && heldIds.has(current.id)) current.listed = true;
    // Once listed as ours, a chat that leaves the list was closed, erased or taken over.
    if (current && current.listed && !heldIds.has(current.id)) {
      hideConversation();
      action()("That chat has ended, or another advocate holds it now.");
    }
    markEntries();
  }

  function loadSupervision() {
    api("GET", "/supervision")
      .then(function (data) { showEveryone(data.held); showPresence(data.advocates); })
      .catch(function () {});
  }

  function showEveryone(items) {
    fillList($("everyone"), items, heldEntry);
    $("everyone-empty").hidden = items.length > 0;
    markEntries();
  }

  function showPresence(accounts) {
    fillList($("presence"), accounts.map(function (account) {
      return Object.assign({ id: account.username }, account);
    }), function (account) {
      const line = element("li");
      line.appendChild(element("span", null, account.display_name || account.username));
      line.appendChild(element("span", account.presence === "available" ? "presence-on" : "hint",
        presenceLabel(account)));
      return line;
    });
  }

  function presenceLabel(account) {
    return PRESENCE[account.presence] || (account.available ? "available" : "not available");
  }

  function markEntries() {
    document.querySelectorAll("#held li, #everyone li").forEach(function (line) {
      line.classList.toggle("unread", unread.has(line.dataset.id));
      line.classList.toggle("current", Boolean(current && line.dataset.id === current.id));
    });
  }

  function focusEntry(listId, id) {
    const line = $(listId).querySelector('li[data-id="' + CSS.escape(id) + '"] button');
    if (line) line.focus();
  }

  // -- one conversation ------------------------------------------------------------------

  let openSeq = 0;

  // Opening a chat is an action of its own: ``done``, if given, is its status once shown.
  function open(item, focusReply, done) {
    const token = ++openSeq;
    const say = action();
    api("GET", "/conversations/" + item.id).then(function (conversation) {
      if (token !== openSeq) return;
      showConversation(conversation, focusReply !== false);
      if (done) say(done);
    }).catch(failure(say));
  }

  function mine() {
    return Boolean(current && me && current.state === "assigned" && current.assigned_to === me.username);
  }

  function showConversation(conversation, focusReply) {
    const same = current && current.id === conversation.id;
    saveDraft();
    current = conversation;
    current.listed = heldIds.has(conversation.id);
    unread.delete(conversation.id);
    if (!same) {
      shownIds = new Set();
      messageNodes = new Map();
      $("messages").textContent = "";
      resetForms();
      $("reply-text").value = drafts.get(conversation.id) || "";
    }
    $("no-conversation").hidden = true;
    $("conversation").hidden = false;
    $("tools").hidden = false;
    const language = languageName(conversation.language);
    $("conversation-language").textContent = (conversation.language || "?").toUpperCase() + " · " + language;
    $("conversation-language").setAttribute("aria-label", "Language: " + language);
    $("conversation-facts").textContent = countryName(conversation.country) + " · " +
      conversation.channel + (isEmergency(conversation) ? " · EMERGENCY" : "");
    $("conversation-holder").textContent = conversation.assigned_to && !mine()
      ? "held by " + (conversation.assigned_name || conversation.assigned_to) : "";
    showSummary(conversation.summary, conversation);
    showHandover(conversation.handover);
    conversation.messages.forEach(showMessage);
    $("notes").textContent = "";
    conversation.notes.forEach(showNote);
    $("reply-text").setAttribute("lang", conversation.language || "");
    showTakeover();
    loadCanned(conversation.id);
    loadAccounts();
    markEntries();
    if (focusReply) (mine() ? $("reply-text") : $("messages")).focus();
  }

  function saveDraft() {
    if (!current) return;
    const text = $("reply-text").value;
    if (text.trim()) drafts.set(current.id, text); else drafts.delete(current.id);
  }

  // A chat's forms start empty: no outcome, target or note carried over from another chat.
  function resetForms() {
    ["reply", "note", "transfer", "close"].forEach(function (id) { $(id).reset(); });
    $("transfer-confirm").hidden = true;
    $("delivery-error").textContent = "";
  }

  // The panel goes; the chat stays held (Esc, a close, a transfer, a sign-out).
  function hideConversation() {
    saveDraft();
    openSeq += 1;
    current = null;
    shownIds = new Set();
    messageNodes = new Map();
    ["messages", "summary", "notes", "conversation-language", "conversation-facts",
     "conversation-holder", "handover-text"].forEach(function (id) { $(id).textContent = ""; });
    resetForms();
    $("canned").length = 1;
    $("handover").hidden = true;
    $("takeover").hidden = true;
    $("conversation").hidden = true;
    $("tools").hidden = true;
    $("no-conversation").hidden = false;
    updateSend();
    markEntries();
  }

  function updateSend() {
    const writable = mine();
    $("reply-text").disabled = !writable;
    $("reply-send").disabled = !writable || sending;
  }

  // An admin reading another advocate's chat takes it over before writing in it.
  function showTakeover() {
    const other = Boolean(current && current.assigned_to && !mine());
    $("takeover").hidden = !other;
    if (other) {
      $("takeover-text").textContent = (current.assigned_name || current.assigned_to) +
        " holds this chat. To write in it, take it over first: it then leaves their list.";
    }
    updateSend();
  }

  $("takeover-button").addEventListener("click", function () {
    if (!current) return;
    const say = action();
    const holder = current.assigned_name || current.assigned_to;
    api("POST", "/conversations/" + current.id + "/take-over")
      .then(function (taken) {
        open(taken, true, "You hold this chat now" + (holder ? "; it left " + holder + "'s list." : "."));
      })
      .catch(failure(say));
  });

  // The person's own flags stand out; what was found in their words (the ILO indicators of
  // forced labour) are plain tags.
  const URGENT_FLAGS = new Set(["emergency", "minor", "child_involved"]);

  function chips(label, tags) {
    const row = element("div", "tags");
    row.appendChild(element("span", "tag-label", label));
    const list = element("ul", "chips");
    list.setAttribute("aria-label", label);
    tags.forEach(function (tag) {
      list.appendChild(element("li", URGENT_FLAGS.has(tag) ? "chip flag" : "chip", tag.replace(/_/g, " ")));
    });
    row.appendChild(list);
    return row;
  }

  // A speaker's label (English, left to right) before a text in the person's language: the
  // line takes the text's direction (dir="auto" skips the label, which has a dir of its own).
  function spoken(tag, who, text, language) {
    const line = element(tag);
    line.setAttribute("dir", "auto");
    const label = element("span", "who", who);
    label.setAttribute("dir", "ltr");
    label.setAttribute("lang", "en");
    line.appendChild(label);
    const words = appendText(element("span", "text"), text);
    if (language) words.setAttribute("lang", language);
    line.appendChild(words);
    return line;
  }

  function showSummary(summary, conversation) {
    const box = $("summary");
    box.textContent = "";
    if (!("needs" in summary) && !("flags" in summary)) {
      box.appendChild(element("p", "hint", "The person did not share a summary: only language and country."));
      return;
    }
    if (summary.flags && summary.flags.length) box.appendChild(chips("Flags", summary.flags));
    if (summary.needs && summary.needs.length) box.appendChild(chips("Needs", summary.needs));
    if (!(summary.flags || []).length && !(summary.needs || []).length) {
      box.appendChild(element("p", "hint", "No need or flag found in what they wrote."));
    }
    const lines = summary.last_messages || [];
    if (!lines.length) return;
    box.appendChild(element("p", "hint", "Before the handoff:"));
    const list = element("ul", "lines");
    lines.forEach(function (line) {
      list.appendChild(spoken("li", line.direction === "in" ? "Person" : "Haven", line.text, conversation.language));
    });
    box.appendChild(list);
  }

  function showHandover(handover) {
    const note = handover && handover.text;
    $("handover").hidden = !note;
    const box = $("handover-text");
    box.textContent = "";
    if (!note) return;
    const from = element("span", "who", "From " + (handover.from_name || handover.from) +
      (handover.at ? ", " + timeElement(handover.at).textContent : "") + ": ");
    from.setAttribute("dir", "ltr");
    box.appendChild(from);
    appendText(box, note);
  }

  const SPEAKERS = { in: "Person", out: "Haven", sys: "Delivery", ntc: "Notice to the person" };
  const DELIVERY = { sent: "Sent", delivered: "Delivered", read: "Read", failed: "Not delivered" };

  function writer(message) {
    if (message.direction !== "adv") return SPEAKERS[message.direction] || message.direction;
    const name = message.author_name || message.author;
    if (!name) return "Advocate";
    return me && message.author === me.username ? name + " (you)" : name;
  }

  function showMessage(message) {
    if (shownIds.has(message.id)) { showDelivery(message); return; }
    shownIds.add(message.id);
    const log = $("messages");
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const bubble = element("div", "message " + message.direction);
    bubble.setAttribute("dir", current && current.right_to_left ? "rtl" : "auto");
    const meta = element("p", "meta");
    meta.appendChild(element("span", "who", writer(message)));
    meta.appendChild(timeElement(message.at));
    if (message.direction === "adv") meta.appendChild(element("span", "delivery"));
    Array.from(meta.children).forEach(function (label) {  // English labels, even in a right-to-left chat
      label.setAttribute("dir", "ltr");
      if (label.tagName !== "TIME") label.setAttribute("lang", "en");  // a time is in the browser's locale
    });
    bubble.appendChild(meta);
    const text = appendText(element("p", "text"), message.text);  // text only, never HTML
    text.setAttribute("dir", "auto");
    if (current && current.language && message.direction !== "sys") text.setAttribute("lang", current.language);
    bubble.appendChild(text);
    log.appendChild(bubble);
    messageNodes.set(message.id, bubble);
    showDelivery(message);
    if (atEnd || message.direction === "adv") log.scrollTop = log.scrollHeight;
  }

  function showDelivery(message) {
    const bubble = messageNodes.get(message.id);
    const label = bubble && bubble.querySelector(".delivery");
    if (!label || !message.delivery) return;
    label.textContent = DELIVERY[message.delivery] || message.delivery;
    label.classList.toggle("failed", message.delivery === "failed");
  }

  function showNote(note) {
    const to = note.handover_to ? " → " + note.handover_to + " (handover)" : "";
    const when = note.at ? " · " + timeElement(note.at).textContent : "";
    const line = spoken("li", (note.author_name || note.author) + to + when + ": ", note.text);
    $("notes").appendChild(line);
  }

  function loadCanned(id) {
    const select = $("canned");
    select.length = 1;
    api("GET", "/conversations/" + id + "/canned").then(function (data) {
      if (!current || current.id !== id) return;
      data.items.forEach(function (item) {
        const option = new Option(item.title, item.id);
        option.dataset.text = item.text;
        select.appendChild(option);
      });
    }).catch(function () {});
  }

  $("canned").addEventListener("change", function (event) {
    const chosen = event.target.selectedOptions[0];
    if (chosen && chosen.dataset.text && mine()) $("reply-text").value = chosen.dataset.text;
  });

  // -- replying, notes, transfer, close --------------------------------------------------

  function send() {
    if (!mine() || sending) return;
    const text = $("reply-text").value.trim();
    if (!text) return;
    const chat = current;
    sending = true;
    updateSend();
    $("delivery-error").textContent = "";
    api("POST", "/conversations/" + chat.id + "/messages", { text: text })
      .then(function (sent) {
        drafts.delete(chat.id);
        if (current !== chat) return;
        $("reply-text").value = "";
        $("canned").value = "";
        if (sent.id !== null) {
          showMessage({
            id: sent.id, direction: "adv", text: text, at: sent.at || new Date().toISOString(),
            author: me.username, author_name: sent.author_name || me.display_name, delivery: sent.delivery || "sent",
          });
        }
      })
      .catch(function (error) {
        if (!error.stale && current === chat) $("delivery-error").textContent = error.message;
      })
      .finally(function () { sending = false; updateSend(); });
  }

  $("reply").addEventListener("submit", function (event) { event.preventDefault(); send(); });

  // Ctrl+Enter (or Cmd+Enter) sends; Enter alone is a new line, as in any multi-line box.
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
  });
  $("note-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); $("note").requestSubmit(); }
  });

  $("note").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const say = action();
    const chat = current;
    api("POST", "/conversations/" + chat.id + "/notes", { text: $("note-text").value })
      .then(function (note) {
        if (current !== chat) return;
        $("note-text").value = "";
        showNote(note);
        say("Note added.");
      })
      .catch(failure(say));
  });

  $("transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const to = $("transfer-to").value;
    const name = $("transfer-to").selectedOptions[0].textContent;
    const note = $("transfer-note").value.trim();
    $("transfer-question").textContent = "Hand this chat to " + name + "? You will no longer hold it" +
      (note ? "; they will see your handover note." : ", and there is no handover note.");
    $("transfer-confirm").hidden = false;
    $("transfer-yes").dataset.to = to;
    $("transfer-yes").focus();
  });

  $("transfer-no").addEventListener("click", function () {
    $("transfer-confirm").hidden = true;
    $("transfer-send").focus();
  });

  $("transfer-yes").addEventListener("click", function () {
    if (!current) return;
    const say = action();
    const to = $("transfer-yes").dataset.to;
    const note = $("transfer-note").value.trim();
    api("POST", "/conversations/" + current.id + "/transfer", note ? { to: to, note: note } : { to: to })
      .then(function (handed) {
        hideConversation();
        const away = handed.to.presence !== "available" ? " (" + presenceLabel(handed.to) + ")" : "";
        say("Transferred to " + (handed.to.display_name || handed.to.username) + away +
          (handed.told ? "." : ". The person could not be told of the handover."));
      })
      .catch(failure(say));
  });

  $("close").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const wipe = $("close-wipe").checked;
    if (wipe && !window.confirm("Erase this whole conversation now? It cannot be undone.")) return;
    const say = action();
    const outcome = $("close-outcome").value || null;
    api("POST", "/conversations/" + current.id + "/close", { outcome: outcome, wipe: wipe })
      .then(function (result) {
        hideConversation();
        if (result.state === "wiped") say("The chat was closed and erased.");
        else if (result.told) say("The chat was closed; the person is back with Haven.");
        else say("The chat was closed, but the person could not be told: " + (result.error || ""));
      })
      .catch(failure(say));
  });

  $("conversation-hide").addEventListener("click", function () { hideCurrent(); });

  function hideCurrent() {
    const id = current && current.id;
    hideConversation();
    if (id) focusEntry(heldIds.has(id) ? "held" : "everyone", id);
  }

  // -- accounts and opening hours --------------------------------------------------------

  function loadAccounts() {
    api("GET", "/advocates").then(function (data) {
      const select = $("transfer-to");
      const chosen = select.value;
      select.length = 1;
      data.items.forEach(function (account) {
        if (me && account.username === me.username) return;
        const name = account.display_name || account.username;
        select.appendChild(new Option(name + " (" + presenceLabel(account) + ")", account.username));
      });
      select.value = chosen;
      if (me && me.role === "admin") showPresence(data.items);
      showAccounts(data.items);
    }).catch(function () {});
  }

  function showAccounts(items) {
    const list = $("accounts");
    list.textContent = "";
    items.forEach(function (account) {
      const line = element("li");
      line.appendChild(element("span", null,
        (account.display_name && account.display_name !== account.username
          ? account.display_name + " (" + account.username + ")" : account.username) +
        " · " + account.role + (account.locked ? " · locked" : "") + " · " + presenceLabel(account)));
      if (me && me.role === "admin" && account.username !== me.username) {
        line.appendChild(button("Remove", "secondary", function () {
          if (!window.confirm("Remove " + account.username + "? Their chats go back to the queue.")) return;
          const say = action("admin-status");
          api("DELETE", "/advocates/" + encodeURIComponent(account.username))
            .then(function () { loadAccounts(); say("Removed " + account.username + "."); })
            .catch(failure(say));
        }, "Remove " + account.username));
      }
      list.appendChild(line);
    });
  }

  function showHours(data) {
    $("hours").textContent = (data.hours ? "Open " + data.hours + " (" + data.timezone + ")" : "Open at all hours") +
      (data.open_now ? "" : " · closed now");
    $("hours-text").value = data.hours;
  }

  function loadHours() {
    api("GET", "/opening-hours").then(showHours).catch(function () {});
  }

  $("admin-open").addEventListener("click", function () {
    loadAccounts();
    loadHours();
    $("admin").showModal();
  });
  $("admin-close").addEventListener("click", function () { $("admin").close(); });

  $("account-add").addEventListener("submit", function (event) {
    event.preventDefault();
    const say = action("admin-status");
    api("POST", "/advocates", {
      username: $("account-username").value,
      display_name: $("account-display-name").value.trim() || null,
      password: $("account-password").value,
      admin: $("account-admin").checked,
    }).then(function (added) {
      $("account-add").reset();
      loadAccounts();
      say("Added " + added.username + ".");
    }).catch(failure(say));
  });

  $("hours-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const say = action("admin-status");
    api("PUT", "/opening-hours", { hours: $("hours-text").value })
      .then(function (data) { showHours(data); say("Opening hours saved."); })
      .catch(failure(say));
  });

  // -- keyboard --------------------------------------------------------------------------

  $("shortcuts-open").addEventListener("click", function () { $("shortcuts").showModal(); });
  $("shortcuts-close").addEventListener("click", function () { $("shortcuts").close(); });

  function typingIn(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // j / k: the next or previous chat of the lists, in the order they are shown.
  function move(step) {
    const lines = Array.from(document.querySelectorAll("#queue li, #held li, #everyone li"))
      .filter(function (line) { return line.offsetParent !== null; });
    if (!lines.length) return;
    const focused = lines.findIndex(function (line) { return line.contains(document.activeElement); });
    const opened = current ? lines.findIndex(function (line) { return line.dataset.id === current.id; }) : -1;
    const from = focused >= 0 ? focused : opened;
    const next = lines[from < 0 ? (step > 0 ? 0 : lines.length - 1) : (from + step + lines.length) % lines.length];
    const target = next.querySelector("button");
    if (target) target.focus();
    if (next.parentElement.id === "held") open({ id: next.dataset.id }, false);
  }

  document.addEventListener("keydown", function (event) {
    if (!me || document.querySelector("dialog[open]")) return;  // a dialog closes on Esc itself
    if (event.key === "Escape") {
      if (!$("transfer-confirm").hidden) { $("transfer-confirm").hidden = true; $("transfer-send").focus(); }
      else if (current) hideCurrent();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
    if (event.key === "?") { event.preventDefault(); $("shortcuts").showModal(); }
    else if (event.key === "j") { event.preventDefault(); move(1); }
    else if (event.key === "k") { event.preventDefault(); move(-1); }
  });

  // A page opened with a live session goes straight to the console.
  api("GET", "/me").then(signedIn).catch(function (error) { if (!error.stale) signedOut(); });
})();
