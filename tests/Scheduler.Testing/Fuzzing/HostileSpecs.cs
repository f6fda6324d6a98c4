using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Scheduler.Domain.Catalog;

namespace Scheduler.Testing.Fuzzing;

/// <summary>
/// Job spec bodies built from the schema's fields (DESIGN.md), valid or near the edges, and then mutated: wrong types,
/// out-of-range and extreme numbers, overflow-prone products, huge strings and arrays, unicode, nulls, duplicate and
/// unknown members, broken JSON. The same generator drives the REST tests and the kubectl tests of the CRD path.
/// </summary>
public static class HostileSpecs
{
    /// <summary>Integers at and around the edges the validator and the 32-bit arithmetic care about.</summary>
    public static readonly Gen<long> EdgeIntegers = Gen.OneOf(
        Gen.Long[-2, 3],
        Gen.OneOf(63L, 64L, 255L, 1000L, 1024L, 4096L, 65536L, 100_000L, 100_001L, 100_000_000L, 100_000_001L,
            67_108_864L, 1L << 20, 1L << 26, 1L << 31, (1L << 31) - 1, 1L << 32, -(1L << 31), long.MaxValue, long.MinValue),
        Gen.Long);

    public static readonly Gen<double> EdgeDoubles = Gen.OneOf(
        Gen.OneOf(0.0, -0.0, 0.5, 1.5, -1.0, 1e-300, 5e-324, 1e15, 1e15 + 1, 1e14, 1e300, double.MaxValue, double.MinValue, 9.007199254740993e15),
        Gen.Double);

    /// <summary>Strings that break parsers, regexes, column sizes and pod fields.</summary>
    public static readonly Gen<string> HostileStrings = Gen.OneOf(
        Gen.OneOf("", " ", "a", "A", "-a", "a-", "a.b", "a/b", "..", "/", "/dev/shm", "/a/../b", "C:\\x", "a\n", "a\u0000b",
            "\u202eevil", "emoji-\U0001F680", "ß", "İ", "ａｂｃ", "SCHEDULER_TOKEN", "WORLD_SIZE", "RANK", "MASTER_ADDR",
            "1abc", "_X", "x=y", "spec", "shm", "checkpoints", "nvidia.com/gpu-clique", "a/b/c", "-/x", "NaN", "Infinity", "null", "{}",
            "A100-80GB|Z80", "A100-80GB|", "PT0S", "P1000000000D", "-PT1H", "64Gi", "1e3", "0.0001m", "99999999999999999999Gi"),
        Gen.String[Gen.Char, 0, 80],
        Gen.String[Gen.Char.AlphaNumeric, 0, 300],
        Gen.Int[1, 6].Select(scale => new string('x', (int)Math.Pow(10, scale))));

    /// <summary>A spec as JSON, every member drawn from its schema domain (valid most of the time, sometimes just outside).</summary>
    public static readonly Gen<JsonObject> Specs =
        Gen.Select(Models(), Trainings(), Layouts(), Containers(), Gen.Int[0, 9_999_999], Gen.Frequency((8, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("PT12H", "P2D", "PT0.5S"))),
            (model, training, layout, container, id, maxRuntime) =>
            {
                var (parallelism, resources, micro, global) = layout;
                training["microBatchSize"] = micro;
                training["globalBatchSize"] = global;
                var spec = new JsonObject
                {
                    ["name"] = $"fz-{id}",
                    ["queue"] = "fuzz",
                    ["model"] = model,
                    ["training"] = training,
                    ["parallelism"] = parallelism,
                    ["resources"] = resources,
                };
                if (container is not null)
                {
                    spec["container"] = container;
                }

                if (maxRuntime is not null)
                {
                    spec["maxRuntime"] = maxRuntime;
                }

                return spec;
            });

    /// <summary>A body to send: a generated spec with up to four mutations, as UTF-8 JSON text.</summary>
    public static Gen<string> Bodies => Mutated(Specs);

    /// <summary>Any JSON object body with up to four mutations (a quarter of them unchanged), as text.</summary>
    public static Gen<string> Mutated(Gen<JsonObject> valid) =>
        Gen.Select(valid, Gen.Frequency((3, Gen.Const(0)), (6, Gen.Int[1, 2]), (2, Gen.Int[3, 4])), Mutation.Array[4])
            .Select((obj, count, mutations) =>
            {
                var text = (string?)null;
                foreach (var mutation in mutations.Take(count))
                {
                    text = mutation(obj, text);
                }

                return text ?? obj.ToJsonString();
            });

    /// <summary>Overflow-prone layouts: products of degrees, micro-batch and data degree near 2^31 and 2^32.</summary>
    private static Gen<(JsonObject Parallelism, JsonObject Resources, long Micro, long Global)> Layouts() =>
        Gen.Frequency(
            (6, Gen.Select(Gen.OneOf(1, 2, 4, 8, 16, 64), Gen.OneOf(1, 2, 4, 8), Gen.OneOf(1, 2), Gen.OneOf(1, 2, 4, 8), Gen.Int[1, 8],
                Gen.OneOf(GpuCatalog.Default.Names.ToArray()), Gen.Int[0, 3],
                (data, tensor, pipeline, micro, accumulation, gpuType, zero) =>
                {
                    var gpus = data * tensor * pipeline;
                    return (new JsonObject { ["data"] = data, ["tensor"] = tensor, ["pipeline"] = pipeline, ["zeroStage"] = zero },
                        new JsonObject { ["gpuType"] = gpuType, ["gpus"] = gpus, ["gpusPerNode"] = Math.Min(gpus, 8) },
                        (long)micro, (long)micro * data * accumulation);
                })),
            (2, Gen.Select(Gen.OneOf(1L << 20, 1L << 26, 67_108_864L, 100_000_000L, 1L << 31), Gen.OneOf(64L, 4096L, 65536L, 100_000L, 1L << 31),
                (micro, data) => (new JsonObject { ["data"] = data }, new JsonObject { ["gpuType"] = "A100-80GB", ["gpus"] = data, ["gpusPerNode"] = 8 }, micro, micro))),
            (1, Gen.Select(EdgeIntegers, EdgeIntegers, EdgeIntegers, EdgeIntegers, EdgeIntegers,
                (data, tensor, pipeline, gpus, micro) => (new JsonObject { ["data"] = data, ["tensor"] = tensor, ["pipeline"] = pipeline },
                    new JsonObject { ["gpuType"] = "H100-SXM", ["gpus"] = gpus }, micro, gpus))));

    private static Gen<JsonObject> Models() =>
        Gen.Frequency(
            (8, Gen.Select(Gen.OneOf(1, 2, 4, 12, 32, 80), Gen.OneOf(1, 8, 12, 32, 64), Gen.OneOf(64, 128), Gen.OneOf(1, 2, 4),
                Gen.OneOf("gelu", "swiglu"), Gen.OneOf("learned", "rope", "alibi"), Gen.OneOf(1000, 32000, 50257), Gen.OneOf(128, 1024, 4096, 32768),
                (layers, heads, headSize, group, mlp, position, vocab, seq) => new JsonObject
                {
                    ["layers"] = layers, ["hiddenSize"] = heads * headSize, ["heads"] = heads, ["kvHeads"] = Math.Max(1, heads / group),
                    ["mlp"] = mlp, ["positionEmbedding"] = position, ["vocabSize"] = vocab, ["seqLength"] = seq,
                })),
            (1, Gen.OneOf(1.0, 1e9, 7e9, 1e12, 1e14).Select(p => new JsonObject { ["parameters"] = p })),
            (1, Gen.Select(Gen.OneOf(1000, 4096), Gen.OneOf(262_144, 131_072), Gen.OneOf(1, 4096), Gen.OneOf(10_000_000, 1_048_576),
                (layers, hidden, heads, size) => new JsonObject
                {
                    ["layers"] = layers, ["hiddenSize"] = hidden, ["heads"] = heads, ["ffnHiddenSize"] = Math.Min(size, 1_048_576),
                    ["vocabSize"] = size, ["seqLength"] = size, ["moe"] = new JsonObject { ["experts"] = 4096, ["activeExperts"] = 4096 },
                })));

    private static Gen<JsonObject> Trainings() =>
        Gen.Select(Gen.OneOf("fp32", "bf16", "fp16", "fp8", "bf16-pure"), Gen.OneOf("adamw", "adam", "sgd", "sgd-momentum", "adafactor", "adamw-8bit"),
            Gen.OneOf("none", "selective", "full"), Gen.OneOf(1e6, 1e9, 2e12, 1e15), Gen.Frequency((4, Gen.Const((string?)null)), (1, Gen.OneOf<string?>("lora", "qlora", "full"))),
            (precision, optimizer, recompute, tokens, finetune) =>
            {
                var training = new JsonObject
                {
                    ["tokens"] = tokens, ["precision"] = precision, ["optimizer"] = optimizer, ["activationCheckpointing"] = recompute,
                };
                if (finetune is not null)
                {
                    training["finetune"] = finetune == "full" ? new JsonObject { ["method"] = "full" } : new JsonObject { ["method"] = finetune, ["loraRank"] = 16 };
                }

                return training;
            });

    private static Gen<JsonObject?> Containers() =>
        Gen.Frequency(
            (3, Gen.Const((JsonObject?)null)),
            (2, Gen.Select(Gen.OneOf("busybox:1.36", "ghcr.io/x/trainer@sha256:" + new string('a', 64)), Gen.String[Gen.Char.AlphaNumeric, 1, 20].Array[0, 4],
                Gen.Dictionary(Gen.OneOf(Gen.String[Gen.Char.AlphaNumeric, 1, 12].Select(k => "X" + k), HostileStrings), Gen.String[Gen.Char, 0, 40])[0, 4],
                Gen.OneOf("1", "500m", "8", "0"), Gen.OneOf("64Gi", "1Mi", "lots"),
                Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 8].Select(n => "v" + n.ToLowerInvariant()), Gen.OneOf("data", "weights", "other-team"), Gen.OneOf("/data", "/mnt/x", "/dev/shm", "relative"),
                    (name, claim, path) => new JsonObject { ["name"] = name, ["claimName"] = claim, ["mountPath"] = path }).Array[0, 3],
                (image, args, env, cpu, memory, volumes) => (JsonObject?)new JsonObject
                {
                    ["image"] = image,
                    ["command"] = new JsonArray("sh", "-c"),
                    ["args"] = new JsonArray([.. args.Select(a => (JsonNode?)a)]),
                    ["env"] = new JsonObject([.. env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
                    ["cpu"] = cpu,
                    ["memory"] = memory,
                    ["volumes"] = new JsonArray([.. volumes.Select(v => (JsonNode?)v)]),
                })));

    /// <summary>One change to a spec; the text, once a change made it invalid JSON, is changed as text from then on.</summary>
    private delegate string? Mutate(JsonObject spec, string? text);

    private static readonly Gen<Mutate> Mutation = Gen.Frequency(
        (6, Gen.Select(Gen.Int[0, int.MaxValue], Values(), (pick, value) => (Mutate)((spec, text) => text ?? Replace(spec, pick, value)))),
        (2, Gen.Int[0, int.MaxValue].Select(pick => (Mutate)((spec, text) => text ?? Remove(spec, pick)))),
        (1, Gen.Select(Gen.Int[0, int.MaxValue], HostileStrings, (pick, name) => (Mutate)((spec, text) => text ?? AddUnknown(spec, pick, name)))),
        (1, Gen.Int[0, int.MaxValue].Select(pick => (Mutate)((spec, text) => DuplicateKey(text ?? spec.ToJsonString(), pick)))),
        (1, Gen.Int[0, int.MaxValue].Select(cut => (Mutate)((spec, text) => Truncate(text ?? spec.ToJsonString(), cut)))),
        // A lone surrogate cannot be built as a .NET string and written by the serializer; as an escape it reaches the parser.
        (1, Gen.Const((Mutate)((spec, text) => (text ?? spec.ToJsonString()).Replace("\"fz-", "\"\\ud800fz-", StringComparison.Ordinal)))),
        (1, Gen.Select(Gen.Int[1, 20_000], HostileStrings, (count, item) => (Mutate)((spec, text) => text ?? HugeArray(spec, count, item)))),
        (1, Gen.Select(Gen.Int[1, 300], HostileStrings, Gen.String[Gen.Char, 0, 100], (count, key, value) => (Mutate)((spec, text) => text ?? ManyEnv(spec, count, key, value)))));

    private static Gen<Func<JsonNode?>> Values() => Gen.OneOf(
        EdgeIntegers.Select(v => (Func<JsonNode?>)(() => JsonValue.Create(v))),
        EdgeDoubles.Select(v => (Func<JsonNode?>)(() => JsonValue.Create(v))),
        HostileStrings.Select(v => (Func<JsonNode?>)(() => JsonValue.Create(v))),
        Gen.Bool.Select(v => (Func<JsonNode?>)(() => JsonValue.Create(v))),
        Gen.Int[0, 2].Select(kind => (Func<JsonNode?>)(() => kind switch
        {
            0 => null,
            1 => new JsonArray(1, "two", null),
            _ => new JsonObject { ["x"] = 1 },
        })));

    /// <summary>Every member path in the spec, depth first, parents before children.</summary>
    private static List<(JsonNode Parent, string? Key, int Index)> Members(JsonNode root)
    {
        var found = new List<(JsonNode, string?, int)>();
        void Walk(JsonNode node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj.ToList())
                    {
                        found.Add((obj, key, -1));
                        if (child is not null)
                        {
                            Walk(child);
                        }
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        found.Add((array, null, i));
                        if (array[i] is { } child)
                        {
                            Walk(child);
                        }
                    }

                    break;
            }
        }

        Walk(root);
        return found;
    }

    private static string? Replace(JsonObject spec, int pick, Func<JsonNode?> value)
    {
        var members = Members(spec);
        var (parent, key, index) = members[pick % members.Count];
        if (key is not null)
        {
            parent.AsObject()[key] = value();
        }
        else
        {
            parent.AsArray()[index] = value();
        }

        return null;
    }

    private static string? Remove(JsonObject spec, int pick)
    {
        var members = Members(spec).Where(m => m.Key is not null).ToList();
        var (parent, key, _) = members[pick % members.Count];
        parent.AsObject().Remove(key!);
        return null;
    }

    private static string? AddUnknown(JsonObject spec, int pick, string name)
    {
        var objects = Members(spec).Select(m => m.Parent).OfType<JsonObject>().Distinct().ToList();
        var target = objects[pick % objects.Count];
        if (!target.ContainsKey(name))
        {
            target[name] = 1;
        }

        return null;
    }

    private static string? HugeArray(JsonObject spec, int count, string item)
    {
        // Past the 1 MiB body limit, but not by gigabytes.
        item = item.Length * (long)count > 2_000_000 ? item[..Math.Max(1, 2_000_000 / count)] : item;
        var container = (spec["container"] as JsonObject) ?? new JsonObject();
        spec["container"] = container;
        container["args"] = new JsonArray([.. Enumerable.Repeat(item, count).Select(s => (JsonNode?)s)]);
        return null;
    }

    private static string? ManyEnv(JsonObject spec, int count, string key, string value)
    {
        var container = (spec["container"] as JsonObject) ?? new JsonObject();
        spec["container"] = container;
        var env = new JsonObject();
        for (var i = 0; i < count; i++)
        {
            env[i == 0 ? key : $"{key}{i}"] = value;
        }

        container["env"] = env;
        return null;
    }

    /// <summary>The first member of an object repeated with another value: <c>{"name":"a","name":"b",…}</c>.</summary>
    private static string DuplicateKey(string json, int pick)
    {
        var quote = json.IndexOf("\":", pick % Math.Max(1, json.Length), StringComparison.Ordinal);
        if (quote < 0)
        {
            quote = json.IndexOf("\":", StringComparison.Ordinal);
        }

        if (quote < 0)
        {
            return json;
        }

        var start = json.LastIndexOf('"', quote - 1);
        var key = json[start..(quote + 2)];
        var brace = json.LastIndexOf('{', start);
        return brace < 0 ? json : json.Insert(brace + 1, key + "0,");
    }

    private static string Truncate(string json, int cut) => json[..(cut % Math.Max(1, json.Length))];

    /// <summary>Shortened for failure messages: a generated body may be megabytes.</summary>
    public static string Describe(string body) =>
        body.Length <= 4096 ? body : new StringBuilder(body, 0, 4096, 4200).Append($"… ({body.Length} characters)").ToString();
}
