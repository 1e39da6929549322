// Handlebars, as its README shows it (ES module).
import Handlebars from "handlebars";
import { response } from "sdk/http";
Handlebars.registerHelper("loud", (s) => String(s).toUpperCase());
const template = Handlebars.compile("Handlebars <b>{{doesWhat}}</b> {{loud name}} {{#each items}}[{{this}}]{{/each}} {{html}}");
response.print(template({ doesWhat: "rocks!", name: "ada", items: [1, 2], html: "<i>" }));
