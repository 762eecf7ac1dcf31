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
        Assert.True(err <= tolerance, $"{what}: max abs error {err:E2} > {tolerance:E0}");
        return err;
    }
}
