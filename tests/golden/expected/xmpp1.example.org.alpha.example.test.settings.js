//
// Ansible managed
//
// Converse.js settings for alpha.example.test, generated from the VirtualHost and its components.
// The connection URLs are the VirtualHost's public base URL (a reverse proxy's, or port 443) when
// it has one, else the page's own origin, which serves websocket and BOSH too.
(function () {
  "use strict";
  var base = "" || (window.location.origin + "/");
  var settings = {
      "allow_registration": false,
      "assets_path": "dist/",
      "authentication": "login",
      "auto_reconnect": true,
      "discover_connection_methods": false,
      "i18n": "en",
      "locked_domain": "alpha.example.test",
      "message_archiving": "always",
      "muc_domain": "conference.alpha.example.test",
      "view_mode": "fullscreen"
    };
  settings.websocket_url = base.replace(/^http/, "ws") + "xmpp-websocket";
  settings.bosh_service_url = base + "http-bind";
  // Converse's own footer (fullscreen view) shows sponsor logos from conversejs.org, which the
  // page's policy (img-src 'self') blocks: three broken images and console errors. Defined first,
  // this footer with the same credit and no foreign images takes its place.
  if (!window.customElements.get("converse-footer")) {
    window.customElements.define("converse-footer", class extends HTMLElement {
      connectedCallback() {
        var link = document.createElement("a");
        link.href = "https://conversejs.org/";
        link.rel = "noopener";
        link.target = "_blank";
        link.textContent = "Converse";
        var line = document.createElement("p");
        line.className = "brand-subtitle text-center subdued";
        var version = (converse.env && converse.env.VERSION_NAME) || "";
        line.append(link, " " + version + ", an open source XMPP chat client.");
        this.replaceChildren(line);
      }
    });
  }
  converse.initialize(settings);
}());
