/* Small progressive enhancements for the staff pages. Every page works without this file. */
(function () {
  "use strict";

  /* A text in the page's language (templates/base.html's js-messages block), with {value} filled in. */
  var messages = null;
  function message(key, fallback, value) {
    if (messages === null) {
      var block = document.getElementById("js-messages");
      try { messages = block ? JSON.parse(block.textContent) : {}; } catch (error) { messages = {}; }
    }
    return (messages[key] || fallback).replace("{value}", value);
  }
  document.documentElement.classList.add("js");

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  /* --- Product picker: typed or scanned SKU, suggestions by SKU or name (never the whole catalogue) --- */
  var pickerCount = 0;

  function lookupUrl(input, text) {
    var url = input.getAttribute("data-product-picker") + "?q=" + encodeURIComponent(text);
    return input.hasAttribute("data-include-inactive") ? url + "&all=1" : url;
  }

  function showStock(input, product) {
    var line = input.closest("[data-line]");
    if (line) {
      var note = line.querySelector("[data-line-stock]");
      if (note) {
        note.textContent = product ? product.name + ": " + product.available + " available" : "";
      }
      return;
    }
    var panel = document.getElementById("product-stock");
    if (!panel || !input.closest("form") || !input.closest("form").contains(panel)) { return; }
    if (!product) { panel.hidden = true; return; }
    panel.hidden = false;
    panel.querySelector('[data-stock="name"]').textContent = product.sku + " · " + product.name;
    ["on_hand", "reserved", "available"].forEach(function (key) {
      panel.querySelector('[data-stock="' + key + '"]').textContent = product[key];
    });
  }

  function resolve(input, quiet) {
    var text = input.value.split(" · ")[0].trim();
    if (!text) { showStock(input, null); say(input, ""); return Promise.resolve(null); }
    return getJSON(lookupUrl(input, text)).then(function (data) {
      var lower = text.toLowerCase();
      var match = data.results.filter(function (p) {
        return p.sku.toLowerCase() === lower || p.name.toLowerCase() === lower;
      })[0] || null;
      if (match) { input.value = match.sku; }
      showStock(input, match);
      // An unknown scan is said at once, beside the field, and nothing is submitted.
      if (!quiet) { say(input, match ? "" : message("unknownProduct", "No product with the SKU or name \u201c{value}\u201d.", text)); }
      return match;
    }).catch(function () { say(input, ""); return null; });
  }

  /* The picker's own message (aria-live, so a screen reader announces it), right under the field. */
  function say(input, text) {
    var message = document.getElementById(input.id + "-picker-message");
    if (!message) { return; }
    message.textContent = text;
    message.hidden = !text;
    if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }

  function nextField(input) {
    // After a scan the quantity is what comes next (skip Type, which keeps its last value).
    var scope = input.closest("[data-line]") || input.form;
    var quantity = scope.querySelector('input[name$="quantity"]');
    if (quantity) { return quantity; }
    var fields = Array.prototype.slice.call(input.form.querySelectorAll("input:not([type=hidden]), select, textarea"));
    return fields.slice(fields.indexOf(input) + 1).filter(function (f) { return !f.disabled && f.offsetParent; })[0];
  }

  function setupPicker(input) {
    if (input.dataset.pickerReady) { return; }
    input.dataset.pickerReady = "1";
    var list = document.createElement("datalist");
    list.id = "product-options-" + (++pickerCount);
    input.setAttribute("list", list.id);
    input.after(list);
    if (!input.id) { input.id = "product-picker-" + pickerCount; }
    var message = document.createElement("p");
    message.className = "field-error picker-message";
    message.id = input.id + "-picker-message";
    message.setAttribute("aria-live", "polite");
    message.hidden = true;
    list.after(message);
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + message.id).trim());

    input.addEventListener("input", function () { say(input, ""); });
    input.addEventListener("input", debounce(function () {
      var text = input.value.trim();
      if (text.length < 1) { list.innerHTML = ""; return; }
      getJSON(lookupUrl(input, text)).then(function (data) {
        list.innerHTML = "";
        data.results.forEach(function (p) {
          var option = document.createElement("option");
          option.value = p.sku;
          option.label = p.name + " — " + p.available + " available";
          list.appendChild(option);
        });
        var exact = data.results.filter(function (p) { return p.sku.toLowerCase() === text.toLowerCase(); })[0];
        if (exact) { showStock(input, exact); }
      }).catch(function () {});
    }, 150));

    input.addEventListener("change", function () { resolve(input); });

    // A barcode scanner types the SKU and Enter: look it up and move on instead of submitting half a form.
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !input.form || input.form.method.toLowerCase() !== "post") { return; }
      event.preventDefault();
      resolve(input).then(function (product) {
        if (product) {
          var next = nextField(input);
          if (next) { next.focus(); if (next.select) { next.select(); } }
        } else if (input.value.trim()) {
          input.select();  // the next scan replaces the unknown code
        }
      });
    });
    if (input.value) { resolve(input, true); }  // a re-shown form already says what was wrong
  }

  function setupPickers(root) {
    root.querySelectorAll("input[data-product-picker]").forEach(setupPicker);
  }

  /* --- Movement form: the direction, loud, in the heading and the form's colour --- */
  function setupDirection() {
    var form = document.querySelector("form.entry-form");
    var type = form && form.querySelector("select[name=change_type]");
    var heading = document.querySelector("[data-direction-heading]");
    if (!type || !heading) { return; }
    function sync() {
      var direction = type.value === "OUT" ? "OUT" : "IN";
      heading.textContent = heading.getAttribute(direction === "OUT" ? "data-label-out" : "data-label-in") || "Stock " + direction;
      [heading, form].forEach(function (element) {
        element.classList.toggle("direction-in", direction === "IN");
        element.classList.toggle("direction-out", direction === "OUT");
      });
    }
    type.addEventListener("change", sync);
    sync();
  }

  /* --- Movement form: a supplier only on IN --- */
  function setupSupplierToggle() {
    var form = document.querySelector("form.entry-form");
    var type = form && form.querySelector("select[name=change_type]");
    var supplier = form && form.querySelector("select[name=supplier]");
    if (!type || !supplier) { return; }
    var wrapper = supplier.closest(".field");
    function sync() {
      var isIn = type.value === "IN";
      supplier.disabled = !isIn;
      wrapper.classList.toggle("disabled", !isIn);
      if (!isIn) { supplier.value = ""; }
    }
    type.addEventListener("change", sync);
    sync();
  }

  /* --- Entry forms: the cursor starts where the next scan or number goes --- */
  function setupEntryFocus() {
    var form = document.querySelector("form.entry-form");
    if (!form) { return; }
    var invalid = form.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (invalid) { invalid.focus(); return; }
    if (form.querySelector("[data-lines]")) {  // many lines: the first line still empty takes the next scan
      var empty = Array.prototype.filter.call(form.querySelectorAll("[data-line] input[data-product-picker]"),
        function (input) { return !input.value; })[0];
      if (empty) { empty.focus(); }
      return;
    }
    var product = form.querySelector("input[data-product-picker]");
    var quantity = form.querySelector('input[name$="quantity"]');
    if (product && product.value && quantity) { quantity.focus(); } else if (product) { product.focus(); }
  }

  /* --- Forms posted once: the server's one-time token is the guarantee, this only spares the click --- */
  function setupSubmitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  function setupConfirm(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  /* --- Forms of many lines (an order, a stock document): add and remove lines (a Django formset) --- */
  function setupLines(container, template, addButton) {
    if (!container || !template || !addButton) { return; }
    var form = container.closest("form");
    var total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    var initial = form.querySelector('input[name$="-INITIAL_FORMS"]');
    var prefix = total.name.replace(/-TOTAL_FORMS$/, "");
    var pattern = new RegExp(prefix + "-(\\d+|__prefix__)-");

    function renumber() {
      var lines = container.querySelectorAll("[data-line]");
      lines.forEach(function (line, index) {
        line.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.replace(pattern, prefix + "-" + index + "-")); }
          });
        });
        line.querySelector(".line-number").textContent = index + 1;
        line.querySelector(".remove-line").setAttribute("aria-label", message("removeLine", "Remove line {value}", index + 1));
      });
      total.value = lines.length;
      // Lines are renumbered from 0: none is an "initial" form any more (a blank one is simply ignored).
      if (initial && Number(initial.value) > lines.length) { initial.value = lines.length; }
    }

    function addLine() {
      var html = template.innerHTML.replace(/__number__/g, "");
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var line = holder.firstElementChild;
      line.removeAttribute("id");
      container.appendChild(line);
      renumber();
      wire(line);
      line.querySelector("input[data-product-picker]").focus();
    }

    function wire(line) {
      // A scanner ends the quantity with Enter too: that adds a line (or goes to the next one), never submits
      // the whole form; only its button does.
      line.querySelector('input[name$="quantity"]').addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        var lines = Array.prototype.slice.call(container.querySelectorAll("[data-line]"));
        var next = lines[lines.indexOf(line) + 1];
        if (next) { next.querySelector("input[data-product-picker]").focus(); } else { addLine(); }
      });
      line.querySelector(".remove-line").addEventListener("click", function () {
        if (container.querySelectorAll("[data-line]").length > 1) {
          line.remove();
        } else {
          line.querySelectorAll("input").forEach(function (input) { input.value = ""; });
          showStock(line.querySelector("input[data-product-picker]"), null);
        }
        renumber();
      });
      setupPickers(line);
    }

    container.querySelectorAll("[data-line]").forEach(wire);
    // Without JavaScript "Add line" posts the form back with one more line; with it the line is added here.
    addButton.addEventListener("click", function (event) { event.preventDefault(); addLine(); });
    renumber();
  }

  /* Enter in a header field of a many-line form goes to the next field, never submits the form. */
  function setupHeaderEnter(form) {
    if (!form) { return; }
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || target.tagName !== "INPUT" || target.closest("[data-line]")) { return; }
      if (target.type === "submit" || target.type === "button") { return; }
      event.preventDefault();
      var fields = Array.prototype.slice.call(form.querySelectorAll("input:not([type=hidden]), select, textarea"))
        .filter(function (f) { return !f.disabled && f.offsetParent; });
      var next = fields[fields.indexOf(target) + 1];
      if (next) { next.focus(); }
    });
  }

  /* --- A pending order's page: poll until the job confirms or rejects it --- */
  function setupOrderPoll() {
    var panel = document.getElementById("status-panel");
    if (!panel || !panel.getAttribute("data-poll-url")) { return; }
    var url = panel.getAttribute("data-poll-url");
    var delay = 1000;
    function poll() {
      getJSON(url).then(function (data) {
        if (data.status !== "pending") {
          panel.innerHTML = data.html;
          panel.removeAttribute("data-poll-url");
          setupConfirm(panel);
          return;
        }
        delay = Math.min(delay * 1.5, 5000);
        setTimeout(poll, delay);
      }).catch(function () {
        delay = Math.min(delay * 2, 15000);
        setTimeout(poll, delay);
      });
    }
    setTimeout(poll, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupLines(document.getElementById("order-lines"), document.getElementById("line-template"),
      document.getElementById("add-line"));
    setupLines(document.getElementById("document-lines"), document.getElementById("document-line-template"),
      document.getElementById("add-document-line"));
    setupHeaderEnter(document.getElementById("document-form"));
    setupPickers(document);
    setupSupplierToggle();
    setupDirection();
    setupEntryFocus();
    setupSubmitOnce();
    setupConfirm(document);
    setupOrderPoll();
  });
})();
