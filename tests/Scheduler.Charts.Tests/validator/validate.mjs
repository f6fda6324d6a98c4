// Validates Kubernetes manifests offline and prints one JSON line per document: {file, index, kind, name, errors}.
//   node validate.mjs <manifests.yaml>... [--crds <file-with-CRDs.yaml>...]
// Built-in kinds are checked against the Kubernetes OpenAPI schemas compiled into the `kubernetes-models` package (types,
// required fields, enums, formats); ServiceMonitor through @kubernetes-models/prometheus-operator. Objects whose kind a
// CustomResourceDefinition defines (from the same files or from --crds) are checked against that CRD's openAPIV3Schema,
// with unknown fields rejected as the API server's strict field validation does, and its CEL rules
// (x-kubernetes-validations) evaluated; a rule the evaluator cannot run is reported as a warning, not an error.
// Exit code 1 when any document fails.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import { evaluate } from "@marcbachmann/cel-js";

const args = process.argv.slice(2);
const split = args.indexOf("--crds");
const manifestFiles = split < 0 ? args : args.slice(0, split);
const crdFiles = split < 0 ? [] : args.slice(split + 1);

function readDocuments(file) {
  // Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml), where `yes`/`on` are booleans too.
  return parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" })
    .map((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${file} document ${index}: ${doc.errors[0].message}`);
      return { file, index, object: doc.toJS() };
    })
    .filter(d => d.object !== null && d.object !== undefined);
}

const manifests = manifestFiles.flatMap(readDocuments);
const crds = [...manifests, ...crdFiles.flatMap(readDocuments)]
  .map(d => d.object)
  .filter(o => o.apiVersion === "apiextensions.k8s.io/v1" && o.kind === "CustomResourceDefinition");

// The CRD schema in the form Ajv checks. Strict unknown-field checking: an object schema that lists its properties and
// neither allows nor preserves others gets additionalProperties: false, as the API server's fieldValidation=Strict does.
function strict(schema, isRoot) {
  if (schema === null || typeof schema !== "object") return schema;
  const copy = Array.isArray(schema) ? schema.map(s => strict(s, false)) : {};
  if (Array.isArray(schema)) return copy;
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" || key === "patternProperties") {
      copy[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v, false)]));
    } else if (["items", "additionalProperties", "not"].includes(key) || ["allOf", "anyOf", "oneOf"].includes(key)) {
      copy[key] = strict(value, false);
    } else {
      copy[key] = value;
    }
  }
  // OpenAPI 3.0 (what CRDs use) writes exclusive bounds as booleans beside minimum/maximum; Ajv speaks draft-07.
  for (const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]) {
    if (typeof copy[exclusive] === "boolean") {
      if (copy[exclusive] && copy[bound] !== undefined) {
        copy[exclusive] = copy[bound];
        delete copy[bound];
      } else {
        delete copy[exclusive];
      }
    }
  }
  if (isRoot) {
    // ObjectMeta is the API server's to check; a CRD may constrain metadata.name, but never lists every meta field.
    copy.properties = {
      apiVersion: { type: "string" }, kind: { type: "string" }, ...copy.properties,
      metadata: schema.properties?.metadata ?? { type: "object" },
    };
  }
  if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
    copy.additionalProperties = false;
  }
  return copy;
}

// CEL tells int from double: values the schema types as integers become BigInt, the evaluator's int.
function celTyped(schema, value) {
  if (!schema || value === null || value === undefined) return value;
  if (schema.type === "integer" && typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return value.map(v => celTyped(schema.items, v));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
      [k, celTyped(schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined), v)]));
  }
  return value;
}

// Evaluates every x-kubernetes-validations rule with `self` bound to its node, as the API server does on create.
function celCheck(schema, value, path, errors, warnings) {
  if (!schema || value === null || value === undefined) return;
  for (const validation of schema["x-kubernetes-validations"] ?? []) {
    if (validation.rule.includes("oldSelf")) continue; // transition rules need the previous object
    let result;
    try {
      result = evaluate(validation.rule, { self: value });
    } catch (e) {
      warnings.push(`${path || "/"}: rule not evaluated offline (${String(e.message).split("\n")[0]}): ${validation.rule}`);
      continue;
    }
    if (result !== true) {
      const where = validation.fieldPath ? path + validation.fieldPath.replaceAll(".", "/") : path || "/";
      errors.push(`${where} ${validation.message ?? `fails rule ${validation.rule}`}`);
    }
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => celCheck(schema.items, item, `${path}/${i}`, errors, warnings));
  } else if (typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      celCheck(childSchema, child, `${path}/${key}`, errors, warnings);
    }
  }
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const customValidators = new Map();
for (const crd of crds) {
  for (const version of crd.spec?.versions ?? []) {
    const schema = version.schema?.openAPIV3Schema;
    if (!schema) continue;
    const validateSchema = ajv.compile(strict(schema, true));
    customValidators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, object => {
      const errors = validateSchema(object)
        ? []
        : validateSchema.errors.map(e => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ""}`);
      const warnings = [];
      celCheck(schema, celTyped(schema, object), "", errors, warnings);
      return { errors, warnings };
    });
  }
}

function modulePath(apiVersion, kind) {
  if (!/^[A-Za-z0-9]+$/.test(kind ?? "")) return null;
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function validate({ object }) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return { errors: ["apiVersion and kind are required"] };
  if (!object.metadata?.name) return { errors: ["metadata.name is required"] };
  const custom = customValidators.get(`${apiVersion}/${kind}`);
  if (custom) return custom(object);
  return { errors: await validateBuiltIn(object), warnings: [] };
}

async function validateBuiltIn(object) {
  const { apiVersion, kind } = object;
  const path = modulePath(apiVersion, kind);
  let model;
  try {
    model = path && (await import(path))[kind];
  } catch {
    model = undefined;
  }
  if (!model) return [`no schema known for ${apiVersion} ${kind} (neither a built-in kind nor defined by a CRD given)`];
  try {
    new model(object).validate();
    return [];
  } catch (e) {
    return [String(e.message ?? e)];
  }
}

let failed = 0;
for (const doc of manifests) {
  const { errors, warnings = [] } = await validate(doc);
  if (errors.length > 0) failed++;
  console.log(JSON.stringify({ file: doc.file, index: doc.index, kind: doc.object.kind ?? null, name: doc.object.metadata?.name ?? null, errors, warnings }));
}
process.exit(failed > 0 ? 1 : 0);
