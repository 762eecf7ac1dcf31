using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;

namespace Uip2p.Evaluation;

/// <summary>
/// The result of one evaluation: per-pair scores, MagicBrush's <c>evaluated_metrics_dict</c> (same keys:
/// <c>final_turn</c> / <c>all_turn</c> → <c>l1, l2, clip-i, dino, clip-t, clip-t_oracle</c>), ClipSimilarity means,
/// what is missing and why, and the provenance (models, data, captions, settings, seed) written beside every
/// number. As JSON and CSV for scripts, as <see cref="DataFrame"/>s for notebooks.
/// </summary>
public sealed class EvalReport(EvalSet set, CaptionKind captions, IReadOnlyList<PairScore> pairs, IReadOnlyList<string> missing)
{
    /// <summary>MagicBrush's metric keys, in its order.</summary>
    public static readonly string[] MetricKeys = ["l1", "l2", "clip-i", "dino", "clip-t", "clip-t_oracle"];

    /// <summary>ClipSimilarity's keys.</summary>
    public static readonly string[] SimilarityKeys = ["sim_0", "sim_1", "sim_direction", "sim_image"];

    public EvalSet Set { get; } = set;
    public CaptionKind Captions { get; } = captions;
    public IReadOnlyList<PairScore> Pairs { get; } = pairs;
    public IReadOnlyList<string> Missing { get; } = missing;

    /// <summary>Models, data, settings and seed: written with every number (JSON field, CSV columns).</summary>
    public Dictionary<string, string> Provenance { get; } = new();

    public IEnumerable<PairScore> PairsOf(string setting) => Pairs.Where(p => p.Setting == setting);

    /// <summary>
    /// The aggregate of one metric in one setting as MagicBrush forms it: L1/L2 a float64 mean of the per-pair
    /// values, the similarities a float32 sum in pair order over the count; null when not computed.
    /// </summary>
    public double? Aggregate(string setting, string metric)
    {
        var rows = PairsOf(setting).ToList();
        if (rows.Count == 0) return null;
        switch (metric)
        {
            case "l1": return Distances(rows.Select(r => r.L1));
            case "l2": return Distances(rows.Select(r => r.L2));
            case "clip-i": return Similarities(rows.Select(r => r.ClipI));
            case "dino": return Similarities(rows.Select(r => r.Dino));
            case "clip-t": return Similarities(rows.Select(r => r.ClipT));
            case "clip-t_oracle": return Similarities(rows.Select(r => r.ClipTOracle));
            default: throw new ArgumentException($"Unknown metric '{metric}'; expected one of {string.Join(", ", MetricKeys)}.");
        }
    }

    /// <summary>ClipSimilarity's mean of one value in one setting (a Python sum of <c>.item()</c> / count); null when not computed.</summary>
    public double? SimilarityMean(string setting, string key)
    {
        var values = PairsOf(setting).Select(r => key switch
        {
            "sim_0" => r.Sim0, "sim_1" => r.Sim1, "sim_direction" => r.SimDirection, "sim_image" => r.SimImage,
            _ => throw new ArgumentException($"Unknown ClipSimilarity key '{key}'."),
        }).ToList();
        return values.Count == 0 || values.Any(v => v == null) ? null : Ip2pClipSimilarity.Mean(values.Select(v => v!.Value).ToList());
    }

    static double? Distances(IEnumerable<double?> values)
    {
        var list = values.ToList();
        return list.Any(v => v == null) ? null : MagicBrushMetrics.MeanOfDistances(list.Select(v => v!.Value).ToList());
    }

    static double? Similarities(IEnumerable<float?> values)
    {
        var list = values.ToList();
        return list.Any(v => v == null) ? null : MagicBrushMetrics.MeanOfSimilarities(list.Select(v => v!.Value).ToList());
    }

    /// <summary>MagicBrush's <c>evaluated_metrics_dict</c>; a metric not computed is null.</summary>
    public JsonObject EvaluatedMetricsDict()
    {
        var dict = new JsonObject();
        foreach (string setting in EvalSet.Settings)
        {
            var m = new JsonObject();
            foreach (string key in MetricKeys) m[key] = Aggregate(setting, key) is double v ? JsonValue.Create(v) : null;
            dict[setting] = m;
        }
        return dict;
    }

    /// <summary>The whole report as JSON: the dict, ClipSimilarity means, pair counts, what is missing, provenance.</summary>
    public JsonObject ToJson()
    {
        var sims = new JsonObject();
        foreach (string setting in EvalSet.Settings)
        {
            var m = new JsonObject();
            foreach (string key in SimilarityKeys) m[key] = SimilarityMean(setting, key) is double v ? JsonValue.Create(v) : null;
            sims[setting] = m;
        }
        var provenance = new JsonObject();
        foreach (var (k, v) in ProvenanceWithDefaults()) provenance[k] = v;
        return new JsonObject
        {
            ["evaluated_metrics_dict"] = EvaluatedMetricsDict(),
            ["ip2p_clip_similarity"] = sims,
            ["pairs"] = new JsonObject { ["final_turn"] = PairsOf("final_turn").Count(), ["all_turn"] = PairsOf("all_turn").Count() },
            ["missing"] = new JsonArray(Missing.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            ["provenance"] = provenance,
        };
    }

    /// <summary>Provenance plus what the report itself knows (data folders, captions).</summary>
    public IEnumerable<(string Key, string Value)> ProvenanceWithDefaults()
    {
        yield return ("generated", Set.GeneratedDir);
        yield return ("ground_truth", Set.GroundTruthDir);
        yield return ("captions", Captions.ToString().ToLowerInvariant());
        foreach (var (k, v) in Provenance.OrderBy(kv => kv.Key, StringComparer.Ordinal)) yield return (k, v);
    }

    static readonly string[] CsvColumns =
    [
        "setting", "session", "turn", "generated", "ground_truth", "edit_input", "l1", "l2", "clip-i", "dino", "clip-t", "clip-t_oracle",
        "caption", "sim_0", "sim_1", "sim_direction", "sim_image", "text_0", "text_1",
    ];

    /// <summary>One CSV row per pair and setting, followed by the provenance columns (the same on every row).</summary>
    public string ToCsv()
    {
        var prov = ProvenanceWithDefaults().ToList();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", CsvColumns.Concat(prov.Select(p => p.Key)).Select(Csv)));
        foreach (var r in Pairs)
        {
            var cells = new[]
            {
                r.Setting, r.Pair.Session, r.Pair.Turn.ToString(CultureInfo.InvariantCulture), r.Pair.Generated, r.Pair.GroundTruth ?? "", r.Pair.EditInput,
                Num(r.L1), Num(r.L2), Num(r.ClipI), Num(r.Dino), Num(r.ClipT), Num(r.ClipTOracle), r.Caption ?? "",
                Num(r.Sim0), Num(r.Sim1), Num(r.SimDirection), Num(r.SimImage), r.Text0 ?? "", r.Text1 ?? "",
            };
            sb.AppendLine(string.Join(",", cells.Concat(prov.Select(p => p.Value)).Select(Csv)));
        }
        return sb.ToString();
    }

    /// <summary>Writes <c>metrics.json</c> and <c>pairs.csv</c> into <paramref name="folder"/>, each atomically; returns their paths.</summary>
    public (string Json, string Csv) Write(string folder)
    {
        string json = Path.Combine(folder, "metrics.json"), csv = Path.Combine(folder, "pairs.csv");
        AtomicFile.WriteAllText(json, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        AtomicFile.WriteAllText(csv, ToCsv());
        return (json, csv);
    }

    /// <summary>Per-pair scores as a DataFrame (missing values are nulls), for notebooks.</summary>
    public DataFrame PairsFrame()
    {
        var rows = Pairs.ToList();
        return new DataFrame(
            new StringDataFrameColumn("setting", rows.Select(r => r.Setting)),
            new StringDataFrameColumn("session", rows.Select(r => r.Pair.Session)),
            new PrimitiveDataFrameColumn<int>("turn", rows.Select(r => r.Pair.Turn)),
            new PrimitiveDataFrameColumn<double>("l1", rows.Select(r => r.L1)),
            new PrimitiveDataFrameColumn<double>("l2", rows.Select(r => r.L2)),
            new PrimitiveDataFrameColumn<double>("clip-i", rows.Select(r => (double?)r.ClipI)),
            new PrimitiveDataFrameColumn<double>("dino", rows.Select(r => (double?)r.Dino)),
            new PrimitiveDataFrameColumn<double>("clip-t", rows.Select(r => (double?)r.ClipT)),
            new PrimitiveDataFrameColumn<double>("clip-t_oracle", rows.Select(r => (double?)r.ClipTOracle)),
            new PrimitiveDataFrameColumn<double>("sim_direction", rows.Select(r => (double?)r.SimDirection)),
            new PrimitiveDataFrameColumn<double>("sim_image", rows.Select(r => (double?)r.SimImage)),
            new StringDataFrameColumn("generated", rows.Select(r => r.Pair.Generated)));
    }

    /// <summary>The aggregates as a DataFrame: one row per setting, one column per metric, plus the provenance.</summary>
    public DataFrame AggregatesFrame()
    {
        var frame = new DataFrame(new StringDataFrameColumn("setting", EvalSet.Settings));
        foreach (string key in MetricKeys.Concat(SimilarityKeys))
            frame.Columns.Add(new PrimitiveDataFrameColumn<double>(key, EvalSet.Settings.Select(s => MetricKeys.Contains(key) ? Aggregate(s, key) : SimilarityMean(s, key))));
        foreach (var (k, v) in ProvenanceWithDefaults())
            frame.Columns.Add(new StringDataFrameColumn(k, EvalSet.Settings.Select(_ => v)));
        return frame;
    }

    static string Num(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
    static string Num(float? v) => v.HasValue ? ((double)v.Value).ToString("R", CultureInfo.InvariantCulture) : "";

    static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
