using static TorchSharp.torch;

namespace Uip2p.Models;

/// <summary>The activations named in Hugging Face configs (<c>hidden_act</c>).</summary>
public static class Activations
{
    /// <summary>Returns the function for a config name, or fails naming it.</summary>
    public static Func<Tensor, Tensor> Get(string name, string source) => name switch
    {
        "quick_gelu" => QuickGelu,
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw new InvalidDataException($"{source}: hidden_act '{name}' is not supported (quick_gelu, gelu, gelu_new, relu, silu)."),
    };

    /// <summary>CLIP's QuickGELU: <c>x·σ(1.702x)</c>.</summary>
    public static Tensor QuickGelu(Tensor x) => x * sigmoid(1.702 * x);
}
