using System.Text.Json;
using System.Text.Json.Nodes;
using Uip2p.Training;

namespace Uip2p.Experiments;

/// <summary>
/// What an ablation trains and how it scores: a base <see cref="TrainConfig"/> file, overrides for every run
/// (<see cref="Set"/>), the variants (<see cref="Vary"/> grids and named <see cref="Variants"/>, syntax in
/// <see cref="AblationVariant"/>), seeds 0…<see cref="Seeds"/>−1 (overriding <c>seed</c>), and the evaluation.
/// <see cref="Resolve"/> checks every key and value of every run through <see cref="TrainConfig.Load"/> before anything is
/// trained, so a typo in the last variant costs nothing.
/// </summary>
public sealed record AblationPlan
{
    /// <summary>The base training config (JSON, as <c>uip2p train --config</c>).</summary>
    public required string Config { get; init; }
    /// <summary><c>key=value</c> overrides applied to every run (<c>--set</c>).</summary>
    public IReadOnlyList<string> Set { get; init; } = [];
    /// <summary><c>key=v1,v2,…</c> lists whose cartesian product makes variants (<c>--vary</c>).</summary>
    public IReadOnlyList<string> Vary { get; init; } = [];
    /// <summary>Named variants, <c>"NAME: key=value key=value"</c> (<c>--variant</c>).</summary>
    public IReadOnlyList<string> Variants { get; init; } = [];
    public int Seeds { get; init; } = 1;
    public AblationEvalSettings Evaluation { get; init; } = new();

    /// <summary>The variants in table order: the named ones (each crossed with the grid), or the grid, or one "base".</summary>
    public IReadOnlyList<AblationVariant> ResolveVariants()
    {
        var named = Variants.Select(v => AblationVariant.Parse(v)).ToList();
        var repeated = named.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new ArgumentException($"--variant: the name '{repeated.Key}' is given twice.");
        var vary = Vary.Select(v => AblationVariant.ParseVary(v)).ToList();
        var twice = vary.GroupBy(v => v.Key).FirstOrDefault(g => g.Count() > 1);
        if (twice != null) throw new ArgumentException($"--vary: '{twice.Key}' is varied twice; give all its values in one --vary {twice.Key}=v1,v2,….");

        // Who sets what: a key set in two places would make the result depend on the order of overrides.
        var setKeys = Set.Select(AblationVariant.KeyOf).ToList();
        void Conflict(string key, string where, IEnumerable<string> others, string otherWhere)
        {
            if (others.FirstOrDefault(o => Overlaps(o, key)) is { } o)
                throw new ArgumentException($"{where} sets '{key}', which {otherWhere} also sets ('{o}'); give each setting in one place.");
        }
        var assigned = Set.Select(s => ("--set", s, (IEnumerable<string>)[AblationVariant.KeyOf(s)]))
            .Concat(Vary.Select(v => ("--vary", v, (IEnumerable<string>)[AblationVariant.KeyOf(v)])))
            .Concat(Variants.Zip(named, (text, n) => ("--variant", text, n.Keys)));
        foreach (var (option, text, keys) in assigned)
            if (keys.Any(k => Overlaps(k, "seed")))
                throw new ArgumentException($"{option} '{text}': the seeds come from --seeds (runs get seeds 0 to N−1); do not set 'seed'.");
        foreach (var (key, _) in vary)
        {
            Conflict(key, $"--vary {key}=…", setKeys, "--set");
            foreach (var n in named) Conflict(key, $"--vary {key}=…", n.Keys, $"--variant '{n.Name}'");
        }
        foreach (var n in named)
            foreach (string key in n.Keys) Conflict(key, $"--variant '{n.Name}'", setKeys, "--set");
        foreach (var (key, _) in vary)
            foreach (var (other, _) in vary)
                if (key != other && Overlaps(key, other)) throw new ArgumentException($"--vary {key}=… and --vary {other}=… set the same setting.");

        var variants = AblationVariant.Cross(named, AblationVariant.Grid(vary));
        var sameFolder = variants.GroupBy(v => v.Slug, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (sameFolder != null)
            throw new ArgumentException($"the variants {string.Join(" and ", sameFolder.Select(v => $"'{v.Name}'"))} would share the folder name '{sameFolder.Key}'; rename one.");
        return variants;
    }

    /// <summary>
    /// Every (variant, seed) run with its config loaded and validated (base file, <see cref="Set"/>, the variant's overrides,
    /// <c>seed</c>), its components and data folders checked, and the evaluation settings checked and completed (CLIP folder).
    /// Throws with one line naming the option and value of the first problem.
    /// </summary>
    public (IReadOnlyList<AblationRun> Runs, AblationEvalSettings Evaluation) Resolve()
    {
        if (!File.Exists(Config)) throw new FileNotFoundException($"--config {Config}: no such file.", Config);
        if (Seeds is < 1 or > 1000) throw new ArgumentException($"--seeds {Seeds}: must be between 1 and 1000.");
        var evaluation = Evaluation.Validated();
        var baseConfig = TrainConfig.Load(Config, Set);
        var variants = ResolveVariants();
        // Each assignment alone first, so an error names the option it came from (and suggests the key meant).
        foreach (string vary in Vary)
        {
            var (key, values) = AblationVariant.ParseVary(vary);
            foreach (string v in values) TrainConfig.Load(Config, [.. Set, $"{key}={v}"], "--vary");
        }
        foreach (string text in Variants)
            foreach (string o in AblationVariant.Parse(text).Overrides) TrainConfig.Load(Config, [.. Set, o], "--variant");

        var runs = new List<AblationRun>();
        foreach (var variant in variants)
            for (int seed = 0; seed < Seeds; seed++)
            {
                TrainConfig config;
                try
                {
                    config = TrainConfig.Load(Config, [.. Set, .. variant.Overrides, $"seed={seed}"], "the variant's overrides");
                }
                catch (Exception e) when (e is InvalidDataException or ArgumentException)
                {
                    throw new InvalidDataException($"variant '{variant.Name}' (seed {seed}): {e.Message}", e);
                }
                foreach (var (what, folder) in new[] { ("components", config.Components), ("data", config.Data), ("validation_data", config.ValidationData) })
                    if (folder != null && !Directory.Exists(folder))
                        throw new DirectoryNotFoundException($"{what} {folder}: no such folder{(variant.Overrides.Any(o => AblationVariant.KeyOf(o) == what) ? $" (variant '{variant.Name}')" : "")}.");
                runs.Add(new AblationRun(variant, seed, $"{variant.Slug}_seed{seed}", config));
            }

        foreach (string data in runs.Select(r => r.Config.Data).Distinct())
            if (WorldSeedOf(data) == evaluation.HeldOutSeed)
                throw new ArgumentException($"--held-out-seed {evaluation.HeldOutSeed}: the training data {data} was generated from the same world seed, so the held-out scenes would be training scenes; choose another.");
        return (runs, WithClip(evaluation, baseConfig.Components));
    }

    /// <summary>The seed a world dataset folder was generated from (its dataset.json), or null.</summary>
    static int? WorldSeedOf(string data)
    {
        string meta = Path.Combine(data, "dataset.json");
        if (!File.Exists(meta)) return null;
        try { return JsonNode.Parse(File.ReadAllText(meta))?["seed"]?.GetValue<int>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }

    /// <summary>The CLIP folder (given, else the components' clip/) and its tokenizer, as absolute paths; checked.</summary>
    static AblationEvalSettings WithClip(AblationEvalSettings e, string components)
    {
        string? clip = e.Clip is { } given ? Path.GetFullPath(given) : Directory.Exists(Path.Combine(components, "clip")) ? Path.Combine(components, "clip") : null;
        if (clip is null) return e with { Clip = null, ClipTokenizer = null };
        if (!Directory.Exists(clip)) throw new DirectoryNotFoundException($"--clip {e.Clip}: no such folder.");
        if (!File.Exists(Path.Combine(clip, "config.json"))) throw new FileNotFoundException($"--clip {e.Clip ?? clip}: no config.json, so it is not a CLIP model folder.");
        string? tokenizer = e.ClipTokenizer is { } t ? Path.GetFullPath(t) : null;
        if (tokenizer is null && !File.Exists(Path.Combine(clip, "vocab.json")) && !Directory.Exists(Path.Combine(clip, "tokenizer")))
        {
            string parent = Path.Combine(Path.GetDirectoryName(clip)!, "tokenizer"), own = Path.Combine(components, "tokenizer");
            tokenizer = Directory.Exists(parent) ? parent : Directory.Exists(own) ? own : null;
        }
        return e with { Clip = clip, ClipTokenizer = tokenizer };
    }

    /// <summary>Whether two dotted keys name the same setting or one holds the other (<c>cec.weights</c> and <c>cec.weights.clip</c>).</summary>
    static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + ".", StringComparison.Ordinal) || b.StartsWith(a + ".", StringComparison.Ordinal);

    /// <summary>The plan as written to ablation.json: the options as given and every run's resolved config.</summary>
    public JsonObject ToJson(IReadOnlyList<AblationRun> runs, AblationEvalSettings evaluation) => new()
    {
        ["config"] = Path.GetFullPath(Config),
        ["set"] = new JsonArray([.. Set.Select(s => JsonValue.Create(s))]),
        ["vary"] = new JsonArray([.. Vary.Select(s => JsonValue.Create(s))]),
        ["variants"] = new JsonArray([.. Variants.Select(s => JsonValue.Create(s))]),
        ["seeds"] = Seeds,
        ["evaluation"] = JsonSerializer.SerializeToNode(evaluation, AblationEvalSettings.Json),
        ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
        {
            ["run"] = r.Slug,
            ["variant"] = r.Variant.Name,
            ["seed"] = r.Seed,
            ["overrides"] = new JsonArray([.. r.Variant.Overrides.Select(o => JsonValue.Create(o))]),
            ["config"] = JsonNode.Parse(r.Config.ToJson()),
        })]),
    };

    /// <summary>
    /// Refuses <paramref name="runs"/> when the plan already in <paramref name="planPath"/> has a run they drop, or a run
    /// they would train with other settings (beyond <see cref="Trainer.ResumableChanges"/>), naming the runs and keys. A plan
    /// may grow: new variants or more seeds are added beside the runs already there. Evaluation settings may change (every
    /// run is then scored again).
    /// </summary>
    public static void CheckCompatible(string planPath, IReadOnlyList<AblationRun> runs)
    {
        if (!File.Exists(planPath)) return;
        JsonNode? before;
        try { before = JsonNode.Parse(File.ReadAllText(planPath)); }
        catch (JsonException e) { throw new InvalidDataException($"{planPath}: not valid JSON ({e.Message.Split(". ")[0]}); delete it or choose another --out.", e); }
        var old = (before?["runs"] as JsonArray)?.OfType<JsonObject>().ToList()
            ?? throw new InvalidDataException($"{planPath}: no 'runs' list, so it is not an ablation plan; choose another --out.");
        string where = Path.GetDirectoryName(planPath)!;
        var now = runs.ToDictionary(r => r.Slug);
        var dropped = old.Select(o => o["run"]?.GetValue<string>() ?? "").Where(s => !now.ContainsKey(s)).ToList();
        if (dropped.Count > 0)
            throw new InvalidOperationException($"{where} holds an ablation whose runs {string.Join(", ", dropped.Take(4))}{(dropped.Count > 4 ? ", …" : "")} this command does not plan; "
                + "give the same variants and at least as many seeds (new variants or seeds may be added), or choose another --out.");
        foreach (var o in old)
        {
            string slug = o["run"]!.GetValue<string>();
            var changed = new List<string>();
            var planned = JsonNode.Parse(now[slug].Config.ToJson());
            Trainer.Diff(o["config"], planned, "", changed);
            var refused = changed.Where(k => !Trainer.ResumableChanges.Contains(k)).ToList();
            if (refused.Count > 0)
                throw new InvalidOperationException($"{where} holds an ablation whose run '{slug}' was planned with other settings: "
                    + string.Join(", ", refused.Take(4).Select(k => $"'{k}' {Show(At(o["config"], k))} → {Show(At(planned, k))}"))
                    + "; rerun with the same settings (new variants or seeds may be added), or choose another --out.");
        }
    }

    static JsonNode? At(JsonNode? node, string dotted)
    {
        foreach (string part in dotted.Split('.')) node = (node as JsonObject)?[part];
        return node;
    }

    static string Show(JsonNode? node) => node is null ? "(none)" : node.ToJsonString();
}
