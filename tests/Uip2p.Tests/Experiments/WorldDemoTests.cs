using Uip2p.Experiments;
using Uip2p.World;

namespace Uip2p.Tests.Experiments;

/// <summary>The main job in miniature: live runs, the shipped editors beside them, and the report's reference rows.</summary>
public class WorldDemoTests
{
    [Fact]
    public void A_tiny_demo_reports_live_and_shipped_editors_beside_identity_and_the_vae_reference()
    {
        using var dir = new TempDir();
        // The shipped components, with one shipped editor: the editor start under editors/copy (an editing UNet folder).
        string world = Path.Combine(TestPaths.Repo, "data", "world"), components = dir.File("components");
        Directory.CreateDirectory(Path.Combine(components, "editors"));
        foreach (string sub in Directory.GetDirectories(world).Where(d => Path.GetFileName(d) != "editors"))
            Directory.CreateSymbolicLink(Path.Combine(components, Path.GetFileName(sub)), sub);
        foreach (string file in Directory.GetFiles(world)) File.Copy(file, Path.Combine(components, Path.GetFileName(file)));
        Directory.CreateSymbolicLink(Path.Combine(components, "editors", "copy"), Path.Combine(world, "editor"));

        var options = new DemoOptions
        {
            Components = components, TrainRecords = 8, HeldOutRecords = 4, CecSteps = 2, SupervisedSteps = 2, BatchSize = 2, GridRows = 2,
            Edit = HeldOutWorld.DefaultEdit with { Steps = 2 },
        };
        var report = new WorldDemo(options, dir.File("report")).Run();

        Assert.Equal(["identity", "untrained start", "supervised", "uip2p", "shipped copy", WorldDemo.VaeReference], report.Models.Select(m => m.Model));
        Assert.All(report.Models, m => Assert.Equal(4, m.Count));
        var identity = report.Models[0];
        Assert.Equal(0, identity.Success.Mean);
        Assert.Equal(1, identity.RestKept.Mean);
        Assert.Equal(0, identity.L1OutsideMask.Mean);
        // The shipped copy is the start under another name: same weights, same seeds, the same edits.
        var start = report.Models.Single(m => m.Model == "untrained start");
        var copy = report.Models.Single(m => m.Model == "shipped copy");
        Assert.Equal(start.L1InMask.Mean, copy.L1InMask.Mean);
        string summary = File.ReadAllText(dir.File("report/summary.md"));
        Assert.Contains("| shipped copy |", summary);
        Assert.Contains("trained live in this run", summary);
        foreach (string file in new[] { "edits.png", "edits.svg", "loss_uip2p.png", "loss_supervised.png", "scores.csv", "scores_per_edit.csv" })
            Assert.True(new FileInfo(dir.File("report/" + file)).Length > 100, file);
    }
}
