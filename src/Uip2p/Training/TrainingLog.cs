using System.Text;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uip2p.Training;

/// <summary>
/// A run's logs: <c>metrics.jsonl</c> (one JSON object per logged step: step, phase, every term, learning
/// rate, seconds) and TensorBoard event files under <c>tensorboard/</c> (every term as a scalar, sample grids
/// as images). On resume the JSONL is cut back to the checkpoint's step, so it never holds two histories.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    readonly string _metrics;
    readonly SummaryWriter? _board;

    public TrainingLog(string output, bool tensorBoard, int resumeStep)
    {
        _metrics = Path.Combine(output, "metrics.jsonl");
        if (File.Exists(_metrics))
        {
            var kept = File.ReadAllLines(_metrics).Where(l => l.Length > 0 && (JsonNode.Parse(l)?["step"]?.GetValue<int>() ?? 0) <= resumeStep).ToList();
            AtomicFile.WriteAllText(_metrics, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        }
        if (tensorBoard) _board = utils.tensorboard.SummaryWriter(Path.Combine(output, "tensorboard"));
    }

    public string MetricsPath => _metrics;

    /// <summary>Appends one record and writes each numeric field as a TensorBoard scalar under <paramref name="phase"/>.</summary>
    public void Write(int step, string phase, IReadOnlyDictionary<string, double> values)
    {
        var record = new JsonObject { ["step"] = step, ["phase"] = phase };
        foreach (var (k, v) in values) record[k] = double.IsFinite(v) ? v : null;
        File.AppendAllText(_metrics, record.ToJsonString() + "\n", new UTF8Encoding(false));   // no BOM: one JSON object per line
        if (_board is null) return;
        foreach (var (k, v) in values)
            if (double.IsFinite(v)) _board.add_scalar(phase == "train" ? k : $"{phase}/{k}", (float)v, step);
    }

    /// <summary>Adds a PNG (e.g. a sample grid) to TensorBoard.</summary>
    public void Image(string tag, string pngPath, int step) => _board?.add_img(tag, pngPath, step);

    /// <summary>Reads a metrics log back: (step, phase, values) per line.</summary>
    public static List<(int Step, string Phase, Dictionary<string, double> Values)> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            var values = o.Where(kv => kv.Key is not ("step" or "phase") && kv.Value is JsonValue)
                .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
            return (o["step"]!.GetValue<int>(), o["phase"]!.GetValue<string>(), values);
        }).ToList();

    public void Dispose() => (_board as IDisposable)?.Dispose();
}
