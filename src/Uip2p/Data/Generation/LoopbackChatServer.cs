using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Uip2p.Data.Generation;

/// <summary>What the scripted server does with one request.</summary>
public abstract record ScriptedReply
{
    /// <summary>A chat completion whose message content is <paramref name="Content"/>.</summary>
    public sealed record Answer(string Content, TimeSpan Delay = default) : ScriptedReply;
    /// <summary>An HTTP error status (429, 500, 503 …) with an OpenAI-style error body.</summary>
    public sealed record Status(int Code) : ScriptedReply;
    /// <summary>No answer for this long (the client's timeout should fire first).</summary>
    public sealed record Stall(TimeSpan Duration) : ScriptedReply;
}

/// <summary>One request as the server saw it: the chat messages' text and the response-format name.</summary>
public sealed record ServedRequest(int Number, string System, string User, string? SchemaName);

/// <summary>
/// A small OpenAI-protocol chat server on 127.0.0.1 (a free port), scripted by a function from request to
/// reply: for tests of the generation client (answers, malformed JSON, 429, stalls) and for measuring the
/// client's own throughput (<c>uip2p data bench --local</c>). Loopback only; it serves
/// <c>POST …/chat/completions</c> and nothing else.
/// </summary>
public sealed class LoopbackChatServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Func<ServedRequest, ScriptedReply> _script;
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    int _count;

    public LoopbackChatServer(Func<ServedRequest, ScriptedReply> script)
    {
        _script = script;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                Endpoint = new Uri($"http://127.0.0.1:{port}/v1");
                break;
            }
            catch (HttpListenerException) when (attempt < 5) { }
        }
        _loop = Task.Run(Loop);
    }

    /// <summary>The base URL to give the client (<c>http://127.0.0.1:PORT/v1</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Requests received so far.</summary>
    public int RequestCount => Volatile.Read(ref _count);

    static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Handle(context));
        }
    }

    async Task Handle(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) != true)
            {
                await Write(response, 404, """{"error":{"message":"only POST /v1/chat/completions is served","type":"invalid_request_error"}}""");
                return;
            }
            using var body = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var json = JsonNode.Parse(await body.ReadToEndAsync())!;
            string system = "", user = "";
            foreach (var m in json["messages"]?.AsArray() ?? [])
            {
                string role = m?["role"]?.GetValue<string>() ?? "";
                string content = m?["content"] is JsonValue v ? v.GetValue<string>()
                    : string.Concat((m?["content"]?.AsArray() ?? []).Select(p => p?["text"]?.GetValue<string>() ?? ""));
                if (role == "system") system += content; else if (role == "user") user += content;
            }
            string? schema = json["response_format"]?["json_schema"]?["name"]?.GetValue<string>();
            string model = json["model"]?.GetValue<string>() ?? "";
            var request = new ServedRequest(Interlocked.Increment(ref _count), system, user, schema);
            switch (_script(request))
            {
                case ScriptedReply.Answer a:
                    if (a.Delay > TimeSpan.Zero) await Task.Delay(a.Delay, _stop.Token);
                    await Write(response, 200, Completion(model, a.Content, system + user));
                    break;
                case ScriptedReply.Status s:
                    await Write(response, s.Code, JsonSerializer.Serialize(new { error = new { message = $"scripted status {s.Code}", type = "server_error" } }));
                    break;
                case ScriptedReply.Stall st:
                    await Task.Delay(st.Duration, _stop.Token);
                    await Write(response, 200, Completion(model, "{}", ""));
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client went away (timed out, was killed) or the server is stopping.
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    static string Completion(string model, string content, string prompt)
    {
        int promptTokens = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        int completionTokens = content.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var reply = new
        {
            id = "chatcmpl-local", @object = "chat.completion", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        };
        return JsonSerializer.Serialize(reply);
    }

    static async Task Write(HttpListenerResponse response, int status, string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
