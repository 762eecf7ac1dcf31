using Uip2p.Experiments;
using Uip2p.Training;

namespace Uip2p.Tests.Experiments;

/// <summary>
/// The ablation plan without training anything: the --vary / --variant syntax, and every key and value of every run
/// checked up front with one plain message naming the option; a plan into a folder that holds another is refused.
/// </summary>
public class AblationPlanTests
{
    /// <summary>A config whose components and data folders exist (empty: nothing is loaded here).</summary>
    static string Config(TempDir dir, int steps = 2)
    {
        Directory.CreateDirectory(dir.File("components"));
        Directory.CreateDirectory(dir.File("data"));
        string path = dir.File("base.json");
        File.WriteAllText(path, new TrainConfig { Components = dir.File("components"), Data = dir.File("data"), Steps = steps }.ToJson());
        return path;
    }

    [Fact]
    public void Vary_lists_make_their_cartesian_product_named_by_the_assignments()
    {
        var plan = new AblationPlan { Config = "x.json", Vary = ["cec.weights.attention=0,0.5", "cec.weights.similarity=0,1"] };
        var variants = plan.ResolveVariants();
        Assert.Equal(["attention=0 similarity=0", "attention=0 similarity=1", "attention=0.5 similarity=0", "attention=0.5 similarity=1"], variants.Select(v => v.Name));
        Assert.Equal(["cec.weights.attention=0.5", "cec.weights.similarity=1"], variants[3].Overrides);
        Assert.Equal("attention_0.5_similarity_1", variants[3].Slug);
        // Two keys that end alike keep their whole names.
        var same = new AblationPlan { Config = "x.json", Vary = ["cec.weights.clip=0,1", "cec.weights.reconstruction=1"] }.ResolveVariants();
        Assert.Equal("clip=0 reconstruction=1", same[0].Name);
        // JSON lists pass whole: commas inside brackets do not split values.
        var (key, values) = AblationVariant.ParseVary("cec.attention_layers=[\"attn1\",\"attn2\"],[\"attn2\"]");
        Assert.Equal("cec.attention_layers", key);
        Assert.Equal(["[\"attn1\",\"attn2\"]", "[\"attn2\"]"], values);
    }

    [Fact]
    public void Named_variants_are_not_crossed_but_are_crossed_with_a_grid()
    {
        var table3 = new AblationPlan
        {
            Config = "x.json",
            Variants = ["base: cec.weights.attention=0 cec.weights.similarity=0", "+L_sim: cec.weights.attention=0", "+L_attn:"],
        }.ResolveVariants();
        Assert.Equal(["base", "+L_sim", "+L_attn"], table3.Select(v => v.Name));
        Assert.Equal(["cec.weights.attention=0", "cec.weights.similarity=0"], table3[0].Overrides);
        Assert.Empty(table3[2].Overrides);
        Assert.Equal("L_attn", table3[2].Slug);

        var crossed = new AblationPlan { Config = "x.json", Variants = ["a: steps=3", "b: steps=4"], Vary = ["learning_rate=1e-4,1e-3"] }.ResolveVariants();
        Assert.Equal(["a learning_rate=1e-4", "a learning_rate=1e-3", "b learning_rate=1e-4", "b learning_rate=1e-3"], crossed.Select(v => v.Name));
        Assert.Equal(["steps=4", "learning_rate=1e-3"], crossed[3].Overrides);
        Assert.Equal("base", Assert.Single(new AblationPlan { Config = "x.json" }.ResolveVariants()).Name);
    }

    [Theory]
    [InlineData("--vary", "cec.weights.attention=", "--vary 'cec.weights.attention=': give at least one value")]
    [InlineData("--vary", "cec.weights.attention=0,,1", "an empty value in the list")]
    [InlineData("--vary", "cec.weights.attention=0,1,0", "the value '0' is given twice")]
    [InlineData("--vary", "cec.weights.attention", "expected key=v1,v2,…")]
    [InlineData("--vary", "seed=1,2", "--vary 'seed=1,2': the seeds come from --seeds")]
    [InlineData("--variant", "cec.weights.attention=0", "expected \"NAME: key=value key=value …\"")]
    [InlineData("--variant", "identity: steps=3", "the name 'identity' is the reference row")]
    [InlineData("--variant", "a: steps=3 steps=4", "'steps' is assigned twice")]
    [InlineData("--variant", "a: steps", "'steps' is not key=value")]
    [InlineData("--set", "seed=4", "--set 'seed=4': the seeds come from --seeds")]
    public void Malformed_variants_are_refused_with_one_line_naming_the_option(string option, string value, string expected)
    {
        var plan = option switch
        {
            "--vary" => new AblationPlan { Config = "x.json", Vary = [value] },
            "--variant" => new AblationPlan { Config = "x.json", Variants = [value] },
            _ => new AblationPlan { Config = "x.json", Set = [value] },
        };
        var e = Assert.Throws<ArgumentException>(() => plan.ResolveVariants());
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Settings_given_twice_or_folder_names_shared_are_refused()
    {
        string Error(AblationPlan p) => Assert.Throws<ArgumentException>(() => p.ResolveVariants()).Message;
        Assert.Contains("which --set also sets", Error(new AblationPlan { Config = "x.json", Set = ["steps=3"], Vary = ["steps=4,5"] }));
        Assert.Contains("which --variant 'a' also sets ('cec.weights')", Error(new AblationPlan { Config = "x.json", Variants = ["a: cec.weights={\"clip\":1}"], Vary = ["cec.weights.clip=0,1"] }));
        Assert.Contains("the name 'a' is given twice", Error(new AblationPlan { Config = "x.json", Variants = ["a: steps=3", "a: steps=4"] }));
        Assert.Contains("would share the folder name 'a_b'", Error(new AblationPlan { Config = "x.json", Variants = ["a b: steps=3", "a+b: steps=4"] }));
        Assert.Contains("is varied twice", Error(new AblationPlan { Config = "x.json", Vary = ["steps=3", "steps=4"] }));
    }

    [Fact]
    public void Every_key_and_value_of_every_variant_is_checked_before_training()
    {
        using var dir = new TempDir();
        string config = Config(dir);
        Exception Error(AblationPlan p) => Assert.ThrowsAny<Exception>(() => p.Resolve());
        var typo = Error(new AblationPlan { Config = config, Vary = ["cec.weights.attention=0,1", "cec.weights.similarty=0,1"] });
        Assert.IsAssignableFrom<ArgumentException>(typo);
        Assert.Equal("--vary 'cec.weights.similarty=0': 'cec.weights.similarty' is not a setting (did you mean 'similarity'?).", typo.Message);
        var value = Error(new AblationPlan { Config = config, Variants = ["a: steps=3", "b: cec.weights.attention=lots"] });
        Assert.Equal($"{config} with --variant: 'cec.weights.attention' takes a number, not 'lots'.", value.Message);
        Assert.Contains("'learning_rate' must be a positive number", Error(new AblationPlan { Config = config, Vary = ["learning_rate=1e-3,-1"] }).Message);
        Assert.Contains($"data {dir.File("nowhere")}: no such folder (variant 'elsewhere')", Error(new AblationPlan { Config = config, Variants = ["elsewhere: data=nowhere"] }).Message);
        Assert.Contains("--held-out 0: must be between 1 and 100000", Error(new AblationPlan { Config = config, Evaluation = new() { HeldOut = 0 } }).Message);
        Assert.Contains("--seeds 0", Error(new AblationPlan { Config = config, Seeds = 0 }).Message);
        File.WriteAllText(Path.Combine(dir.File("data"), "dataset.json"), "{\"seed\": 1001}");
        Assert.Contains("--held-out-seed 1001: the training data", Error(new AblationPlan { Config = config }).Message);
    }

    [Fact]
    public void Runs_get_seeds_folders_and_the_overrides_in_order()
    {
        using var dir = new TempDir();
        var (runs, evaluation) = new AblationPlan { Config = Config(dir), Set = ["batch_size=4"], Vary = ["cec.weights.attention=0,1"], Seeds = 2 }.Resolve();
        Assert.Equal(["attention_0_seed0", "attention_0_seed1", "attention_1_seed0", "attention_1_seed1"], runs.Select(r => r.Slug));
        Assert.Equal([0, 1, 0, 1], runs.Select(r => r.Config.Seed));
        Assert.All(runs, r => Assert.Equal(4, r.Config.BatchSize));
        Assert.Equal(1.0, runs[3].Config.Cec.Weights.Attention);
        Assert.Null(evaluation.Clip);   // the components have no clip/: CLIP scores are left out
    }

    [Fact]
    public void A_plan_may_grow_but_not_drop_or_change_runs_of_the_plan_in_its_folder()
    {
        using var dir = new TempDir();
        string config = Config(dir), output = dir.File("ablation");
        var plan = new AblationPlan { Config = config, Vary = ["cec.weights.attention=0,1"] };
        new Ablation(plan, output).Prepare();
        string written = File.ReadAllText(Path.Combine(output, Ablation.PlanFile));

        // More seeds, a new value, and a setting that changes no weights (logging) are fine.
        new Ablation(plan with { Vary = ["cec.weights.attention=0,1,0.5"], Seeds = 2, Set = ["log_every=5"] }, output).Check();

        var dropped = Assert.Throws<InvalidOperationException>(() => new Ablation(plan with { Vary = ["cec.weights.attention=0"] }, output).Check());
        Assert.Contains("whose runs attention_1_seed0 this command does not plan", dropped.Message);
        var changed = Assert.Throws<InvalidOperationException>(() => new Ablation(plan with { Set = ["steps=3"] }, output).Check());
        Assert.Contains("run 'attention_0_seed0' was planned with other settings: 'steps' 2 → 3", changed.Message);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"learning_rate\": 0.0001", "\"learning_rate\": 0.001"));
        Assert.Contains("'learning_rate' 0.0001 → 0.001", Assert.Throws<InvalidOperationException>(() => new Ablation(plan, output).Check()).Message);
        // Refusals write nothing.
        Assert.Equal(written, File.ReadAllText(Path.Combine(output, Ablation.PlanFile)));
        Assert.False(Directory.Exists(Path.Combine(output, "runs")));
    }
}
