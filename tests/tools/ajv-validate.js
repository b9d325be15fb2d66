// The independent validator of the schema tests: ajv (draft-07) with ajv-formats.
// stdin: [{ "id": "...", "schema": "/abs/path/v1.json", "data": <document> }, ...]
// stdout: [{ "id": "...", "valid": true|false, "errors": [{ "path": "/priceCny", "keyword": "minimum", "message": "..." }] }]
// Paths are JSON Pointers to the failing value; a missing or unexpected property points at that property, the way
// DxyqOpenData.Schemas reports it, so the two validators' answers can be compared.
"use strict";
const fs = require("fs");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

// multipleOfPrecision: JavaScript numbers are binary doubles, so 1200.5 % 0.01 is not 0; 4 digits of tolerance keeps
// amounts up to 1e9 CNY exact and still rejects any third decimal (which is off by at least 0.1 of a cent).
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, multipleOfPrecision: 4 });
addFormats(ajv);
ajv.addVocabulary(["x-title-zh", "x-title-en", "x-version"]);

const escape = (name) => name.replace(/~/g, "~0").replace(/\//g, "~1");
const validators = new Map();
const items = JSON.parse(fs.readFileSync(0, "utf8"));
const results = items.map(({ id, schema, data }) => {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(JSON.parse(fs.readFileSync(schema, "utf8")));
    validators.set(schema, validate);
  }
  const valid = validate(data);
  const errors = (validate.errors || []).map((e) => {
    let path = e.instancePath;
    if (e.keyword === "required") path += "/" + escape(e.params.missingProperty);
    if (e.keyword === "additionalProperties") path += "/" + escape(e.params.additionalProperty);
    return { path, keyword: e.keyword, message: e.message };
  });
  return { id, valid, errors };
});
process.stdout.write(JSON.stringify(results));
