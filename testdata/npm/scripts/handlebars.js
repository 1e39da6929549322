// Handlebars, as its README shows it (CommonJS).
const Handlebars = require("handlebars");
Handlebars.registerHelper("loud", (s) => String(s).toUpperCase());
const template = Handlebars.compile("Handlebars <b>{{doesWhat}}</b> {{loud name}} {{#each items}}[{{this}}]{{/each}} {{html}}");
require("http/response").print(template({ doesWhat: "rocks!", name: "ada", items: [1, 2], html: "<i>" }));
