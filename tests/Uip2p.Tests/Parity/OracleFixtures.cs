using System.Text.Json;
using Uip2p.Checkpoints;
using Uip2p.Models;
using static TorchSharp.torch;

namespace Uip2p.Tests.Parity;

/// <summary>
/// The oracle fixtures (README of ../shared/fixtures/oracle): every directory under the oracle root
/// (UIP2P_ORACLE_DIR, default ../shared/fixtures/oracle) that has a config.json, with the reference class
/// it names. Parity tests are theories over these directories, so any directory in the same format is
/// checked by the same code.
/// </summary>
public sealed record OracleFixture(string Name, string Dir, string ReferenceClass)
{
    public ConfigReader Config => ConfigReader.FromFile(Path.Combine(Dir, "config.json"));

    public JsonElement ConfigJson()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")));
        return doc.RootElement.Clone();
    }

    public Dictionary<string, Tensor> Io() => SafetensorsFile.Load(Path.Combine(Dir, "io.safetensors"));

    public override string ToString() => Name;

    /// <summary>
    /// K in the parity tolerance rule <c>tol(t) = K·ε·max|t|</c> (see <see cref="FloatNoise"/>). The fixture's ε is
    /// measured on one CPU; another CPU's kernels change the order of more reductions (VERIFY.json: a second CPU
    /// reached 1.25× the 1-vs-2-thread figure on unet-tiny's output). K = 10 leaves 8× headroom beyond that and still
    /// sits four orders of magnitude below the smallest real bug the fixtures' sensitivity table lists (0.18).
    /// </summary>
    public const double CrossMachineFactor = 10;

    /// <summary>
    /// ε: the fixture's own figure for float32 noise — over the outputs in config.json's <c>observed_tolerances</c>,
    /// the largest of (1 thread vs 2, float32 vs float64) max-abs differences, relative to that output's absmax
    /// (1 where absmax is not stated: images in [0,1]). Rounding error in a float32 forward scales with the
    /// magnitudes being summed, so the tolerance of any tensor — output or intermediate — is ε times its own absmax.
    /// </summary>
    public double FloatNoise
    {
        get
        {
            var json = ConfigJson();
            Assert.True(json.TryGetProperty("observed_tolerances", out var observed), $"{Name}/config.json has no observed_tolerances: no tolerance can be derived");
            double eps = 0;
            foreach (var output in observed.EnumerateObject())
            {
                double Get(string key) => output.Value.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
                double absmax = Get("absmax") is > 0 and var a ? a : 1;
                eps = Math.Max(eps, Math.Max(Get("f32_1thread_vs_2thread_maxabs"), Get("f32_vs_f64_maxabs")) / absmax);
            }
            Assert.True(eps > 0, $"{Name}/config.json: observed_tolerances states no error figure");
            return eps;
        }
    }

    /// <summary>The parity tolerance of one tensor: <c>K·ε·max|expected|</c>.</summary>
    public double Tolerance(Tensor expected, double noise) =>
        CrossMachineFactor * noise * expected.abs().max().to(ScalarType.Float64).item<double>();

    /// <summary>Asserts <c>max|got − expected| ≤ K·ε·max|expected|</c> (the rule above), returning the observed error.</summary>
    public double AssertParity(Tensor got, Tensor expected, string what) => AssertParity(got, expected, FloatNoise, what);

    /// <inheritdoc cref="AssertParity(Tensor, Tensor, string)"/>
    public double AssertParity(Tensor got, Tensor expected, double noise, string what) =>
        AssertClose(got, expected, Tolerance(expected, noise), what);

    public static IReadOnlyList<OracleFixture> All()
    {
        string root = TestPaths.Oracle;
        Assert.True(Directory.Exists(root), $"Oracle root {root} is missing (set UIP2P_ORACLE_DIR or provide ../shared).");
        return Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, "config.json")))
            .Select(d =>
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "config.json")));
                var reference = doc.RootElement.TryGetProperty("reference", out var r) ? r : default;
                string cls = reference.ValueKind == JsonValueKind.Object
                    ? reference.TryGetProperty("class", out var c) ? c.GetString()! : reference.TryGetProperty("module", out var m) ? m.GetString()! : ""
                    : "";
                return new OracleFixture(Path.GetFileName(d), d, cls);
            }).ToList();
    }

    /// <summary>Theory data: the fixture directories whose reference class satisfies <paramref name="family"/>.</summary>
    public static TheoryData<string> Dirs(Func<string, bool> family)
    {
        var data = new TheoryData<string>();
        foreach (var f in All().Where(f => family(f.ReferenceClass))) data.Add(f.Dir);
        return data;
    }

    /// <summary>Theory data: the fixture directories that satisfy <paramref name="format"/> (for fixtures identified by their config, not one class).</summary>
    public static TheoryData<string> DirsWhere(Func<OracleFixture, bool> format)
    {
        var data = new TheoryData<string>();
        foreach (var f in All().Where(format)) data.Add(f.Dir);
        return data;
    }

    public static OracleFixture At(string dir) => All().Single(f => f.Dir == dir);

    /// <summary>Asserts <c>max|got − expected| ≤ tolerance</c>, returning the observed error for the report.</summary>
    public static double AssertClose(Tensor got, Tensor expected, double tolerance, string what)
    {
        Assert.True(got.shape.SequenceEqual(expected.shape), $"{what}: shape [{string.Join(",", got.shape)}], expected [{string.Join(",", expected.shape)}]");
        double err = (got.detach().to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(err <= tolerance, $"{what}: max abs error {err:E2} > tolerance {tolerance:E2}");
        return err;
    }
}
