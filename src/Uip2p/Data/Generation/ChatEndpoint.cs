using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Uip2p.Data.Generation;

/// <summary>
/// An <see cref="IChatClient"/> for any OpenAI-compatible chat endpoint (vLLM, TGI, llama.cpp server,
/// Ollama: <c>http://HOST:PORT/v1</c>) through Microsoft.Extensions.AI's OpenAI adapter. The SDK's own
/// retries are off: <see cref="ChatGenerator"/> retries, so that attempts are bounded and counted in one place.
/// </summary>
public static class ChatEndpoint
{
    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--endpoint {url}: not an http(s) URL; give the server's OpenAI base URL, e.g. http://127.0.0.1:8000/v1.");
        return uri;
    }

    public static IChatClient Create(Uri endpoint, string model, string? apiKey, TimeSpan timeout)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            NetworkTimeout = timeout + TimeSpan.FromSeconds(5),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        // Local servers take no key; the SDK still wants a non-empty one.
        var client = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey), options);
        return client.AsIChatClient();
    }
}
