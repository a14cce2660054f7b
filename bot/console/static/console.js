// Haven's advocate console: plain JavaScript over the JSON API at /advocate/api/, no build step.
// Live updates come from the Server-Sent Events stream /advocate/api/events. Every text from a
// conversation is written with textContent: nothing anyone sends is ever rendered as HTML.
"use strict";

(function () {
  const API = "/advocate/api";
  let csrf = "";
  let me = null;
  let current = null;      // the open conversation's item
  let shownIds = new Set(); // message ids shown in the open conversation
  let stream = null;
  const unread = new Set();

  const $ = function (id) { return document.getElementById(id); };
  const languageNames = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames(["en"], { type: "language" }) : null;

  function languageName(code) {
    if (!code) return "unknown language";
    try { return (languageNames && languageNames.of(code)) || code; } catch (e) { return code; }
  }

  function status(text) { $("status").textContent = text; }

  function api(method, path, body) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 401 && path !== "/login") { signedOut(); throw new Error("signed out"); }
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : "request failed");
        return data;
      });
    });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // -- signing in and out ----------------------------------------------------------------

  function signedOut() {
    if (stream) { stream.close(); stream = null; }
    me = null; csrf = ""; current = null;
    $("console").hidden = true;
    $("login").hidden = false;
    $("login-username").focus();
  }

  function signedIn(profile) {
    me = profile;
    csrf = profile.csrf_token;
    $("login").hidden = true;
    $("console").hidden = false;
    $("me").textContent = profile.username + (profile.role === "admin" ? " (admin)" : "");
    $("available").checked = profile.available;
    $("admin").hidden = profile.role !== "admin";
    const outcome = $("close-outcome");
    outcome.length = 1;
    profile.outcomes.forEach(function (name) { outcome.appendChild(new Option(name.replace("_", " "), name)); });
    loadHours();
    loadAccounts();
    listen();
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    $("login-error").textContent = "";
    api("POST", "/login", { username: $("login-username").value, password: $("login-password").value })
      .then(function () { $("login-password").value = ""; return api("GET", "/me"); })
      .then(signedIn)
      .catch(function (error) { $("login-error").textContent = error.message; });
  });

  $("logout").addEventListener("click", function () {
    api("POST", "/logout").finally(signedOut);
  });

  $("available").addEventListener("change", function (event) {
    api("POST", "/me/availability", { available: event.target.checked })
      .then(function (data) { status(data.available ? "You are available for chats." : "You are not taking chats."); })
      .catch(function (error) { status(error.message); });
  });

  // -- the live stream -------------------------------------------------------------------

  function listen() {
    if (stream) stream.close();
    stream = new EventSource(API + "/events");
    stream.addEventListener("queue", function (event) { showQueue(JSON.parse(event.data).items); });
    stream.addEventListener("held", function (event) { showHeld(JSON.parse(event.data).items); });
    stream.addEventListener("message", function (event) {
      const message = JSON.parse(event.data);
      if (current && message.conversation === current.id) showMessage(message);
      else { unread.add(message.conversation); markUnread(); }
    });
    stream.addEventListener("signed_out", signedOut);
  }

  function itemLabel(item) {
    const line = element("div");
    const language = element("span", "lang", (item.language || "?").toUpperCase());
    language.title = languageName(item.language);
    line.appendChild(language);
    line.appendChild(document.createTextNode(
      " " + languageName(item.language) + " · " + (item.country || "country unknown") + " · " + item.channel));
    const since = element("div", "hint", "waiting since " + new Date(item.waiting_since).toLocaleTimeString());
    const box = element("div");
    box.appendChild(line);
    box.appendChild(since);
    if (item.priority === "emergency") box.appendChild(element("strong", null, "Emergency"));
    return box;
  }

  function showQueue(items) {
    const list = $("queue");
    list.textContent = "";
    $("queue-empty").hidden = items.length > 0;
    items.forEach(function (item) {
      const entry = element("li", item.priority === "emergency" ? "emergency" : "");
      entry.dataset.id = item.id;
      entry.appendChild(itemLabel(item));
      const claim = element("button", "claim", "Claim");
      claim.type = "button";
      claim.addEventListener("click", function () {
        api("POST", "/conversations/" + item.id + "/claim")
          .then(function (claimed) { open(claimed); })
          .catch(function (error) { status(error.message); });
      });
      entry.appendChild(claim);
      list.appendChild(entry);
    });
  }

  function showHeld(items) {
    fillHeld($("held"), items);
    if (current && !items.some(function (item) { return item.id === current.id; }) &&
        current.assigned_to === (me && me.username)) {
      current = null;
      $("conversation").hidden = true;
      status("That chat has ended, or is now held by another advocate.");
    }
    markUnread();
  }

  function fillHeld(list, items) {
    list.textContent = "";
    items.forEach(function (item) {
      const entry = element("li", item.priority === "emergency" ? "emergency" : "");
      entry.dataset.id = item.id;
      entry.appendChild(itemLabel(item));
      if (item.assigned_to && me && item.assigned_to !== me.username) {
        entry.appendChild(element("div", "hint", "held by " + item.assigned_to));
      }
      const view = element("button", "secondary open", "Open");
      view.type = "button";
      view.addEventListener("click", function () { open(item); });
      entry.appendChild(view);
      list.appendChild(entry);
    });
  }

  $("everyone-load").addEventListener("click", function () {
    api("GET", "/conversations?everyone=true")
      .then(function (data) { fillHeld($("everyone"), data.items); })
      .catch(function (error) { status(error.message); });
  });

  function markUnread() {
    document.querySelectorAll("#held li").forEach(function (entry) {
      entry.classList.toggle("unread", unread.has(entry.dataset.id));
      entry.classList.toggle("current", Boolean(current && entry.dataset.id === current.id));
    });
  }

  // -- one conversation ------------------------------------------------------------------

  function open(item) {
    api("GET", "/conversations/" + item.id).then(function (conversation) {
      current = conversation;
      unread.delete(conversation.id);
      shownIds = new Set();
      $("conversation").hidden = false;
      $("delivery-error").textContent = "";
      $("conversation-language").textContent =
        (conversation.language || "?").toUpperCase() + " · " + languageName(conversation.language);
      $("conversation-language").setAttribute("aria-label", "Language: " + languageName(conversation.language));
      $("conversation-facts").textContent = (conversation.country || "country unknown") + " · " +
        conversation.channel + (conversation.priority === "emergency" ? " · EMERGENCY" : "");
      showSummary(conversation.summary);
      $("messages").textContent = "";
      conversation.messages.forEach(showMessage);
      $("notes").textContent = "";
      conversation.notes.forEach(showNote);
      $("reply-text").setAttribute("lang", conversation.language || "");
      loadCanned(conversation.id);
      loadAccounts();
      markUnread();
      $("reply-text").focus();
    }).catch(function (error) { status(error.message); });
  }

  function showSummary(summary) {
    const box = $("summary");
    box.textContent = "";
    const facts = [];
    if (summary.needs && summary.needs.length) facts.push("Needs: " + summary.needs.join(", "));
    if (summary.flags && summary.flags.length) facts.push("Flags: " + summary.flags.join(", "));
    if (!("needs" in summary)) facts.push("The person did not share a summary: only language and country.");
    facts.forEach(function (fact) { box.appendChild(element("p", null, fact)); });
    if (summary.last_messages && summary.last_messages.length) {
      box.appendChild(element("p", "hint", "Before the handoff:"));
      const list = element("ul", "notes");
      summary.last_messages.forEach(function (message) {
        const who = message.direction === "in" ? "Person: " : "Haven: ";
        const item = element("li", null, who + message.text);  // text only, never HTML
        item.setAttribute("dir", "auto");
        list.appendChild(item);
      });
      box.appendChild(list);
    }
  }

  function showMessage(message) {
    if (shownIds.has(message.id)) return;
    shownIds.add(message.id);
    const who = { in: "Person", out: "Haven", adv: "Advocate", sys: "Delivery" }[message.direction] || message.direction;
    const item = element("div", "message " + message.direction);
    item.appendChild(element("span", "who", who));
    const text = element("span", "text", message.text);  // text only, never HTML
    text.setAttribute("dir", "auto");
    if (current && current.language) text.setAttribute("lang", current.language);
    item.appendChild(text);
    item.setAttribute("dir", current && current.right_to_left ? "rtl" : "auto");
    $("messages").appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showNote(note) {
    const item = element("li", null, note.author + ": " + note.text);
    item.setAttribute("dir", "auto");
    $("notes").appendChild(item);
  }

  function loadCanned(id) {
    const select = $("canned");
    select.length = 1;
    api("GET", "/conversations/" + id + "/canned").then(function (data) {
      data.items.forEach(function (item) {
        const option = new Option(item.title, item.id);
        option.dataset.text = item.text;
        select.appendChild(option);
      });
    }).catch(function () {});
  }

  $("canned").addEventListener("change", function (event) {
    const chosen = event.target.selectedOptions[0];
    if (chosen && chosen.dataset.text) $("reply-text").value = chosen.dataset.text;
  });

  $("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const text = $("reply-text").value.trim();
    if (!text) return;
    $("delivery-error").textContent = "";
    api("POST", "/conversations/" + current.id + "/messages", { text: text })
      .then(function (sent) {
        $("reply-text").value = "";
        $("canned").value = "";
        if (sent.id !== null) showMessage({ id: sent.id, direction: "adv", text: text });
      })
      .catch(function (error) { $("delivery-error").textContent = error.message; });
  });

  $("note").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    api("POST", "/conversations/" + current.id + "/notes", { text: $("note-text").value })
      .then(function (note) { $("note-text").value = ""; showNote(note); })
      .catch(function (error) { status(error.message); });
  });

  $("transfer").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const to = $("transfer-to").value;
    api("POST", "/conversations/" + current.id + "/transfer", { to: to })
      .then(function () { status("Transferred to " + to + "."); })
      .catch(function (error) { status(error.message); });
  });

  $("close").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    const wipe = $("close-wipe").checked;
    if (wipe && !window.confirm("Erase this whole conversation now? It cannot be undone.")) return;
    const outcome = $("close-outcome").value || null;
    api("POST", "/conversations/" + current.id + "/close", { outcome: outcome, wipe: wipe })
      .then(function (result) {
        current = null;
        $("conversation").hidden = true;
        $("close-wipe").checked = false;
        if (result.state === "wiped") status("The chat was closed and erased.");
        else if (result.told) status("The chat was closed; the person is back with Haven.");
        else status("The chat was closed, but the person could not be told: " + (result.error || ""));
      })
      .catch(function (error) { status(error.message); });
  });

  // -- accounts and opening hours --------------------------------------------------------

  function loadAccounts() {
    api("GET", "/advocates").then(function (data) {
      const select = $("transfer-to");
      select.length = 0;
      data.items.forEach(function (account) {
        if (me && account.username === me.username) return;
        select.appendChild(new Option(account.username + (account.available ? " (available)" : ""), account.username));
      });
      const list = $("accounts");
      list.textContent = "";
      data.items.forEach(function (account) {
        const entry = element("li", null,
          account.username + " · " + account.role + (account.locked ? " · locked" : "") +
          (account.available ? " · available" : ""));
        if (me && me.role === "admin" && account.username !== me.username) {
          const remove = element("button", "secondary", "Remove");
          remove.type = "button";
          remove.addEventListener("click", function () {
            if (!window.confirm("Remove " + account.username + "? Their chats go back to the queue.")) return;
            api("DELETE", "/advocates/" + encodeURIComponent(account.username))
              .then(loadAccounts).catch(function (error) { status(error.message); });
          });
          entry.appendChild(remove);
        }
        list.appendChild(entry);
      });
    }).catch(function () {});
  }

  function showHours(data) {
    $("hours").textContent = (data.hours ? "Open " + data.hours + " (" + data.timezone + ")" : "Open at all hours") +
      (data.open_now ? "" : " · closed now");
    $("hours-text").value = data.hours;
  }

  function loadHours() {
    api("GET", "/opening-hours").then(showHours).catch(function () {});
  }

  $("account-add").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/advocates", {
      username: $("account-username").value,
      password: $("account-password").value,
      admin: $("account-admin").checked,
    }).then(function () {
      $("account-username").value = ""; $("account-password").value = ""; $("account-admin").checked = false;
      loadAccounts();
    }).catch(function (error) { status(error.message); });
  });

  $("hours-form").addEventListener("submit", function (event) {
    event.preventDefault();
    api("PUT", "/opening-hours", { hours: $("hours-text").value })
      .then(function (data) { showHours(data); status("Opening hours saved."); })
      .catch(function (error) { status(error.message); });
  });

  // A page opened with a live session goes straight to the console.
  api("GET", "/me").then(signedIn).catch(function () { signedOut(); });
})();
