using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Reach.Api.Tests;

/// <summary>
/// A page in a real headless Chromium, driven over the DevTools protocol: navigate, wait for the
/// load event, evaluate script in the page, take a screenshot.
/// </summary>
internal sealed partial class ChromiumPage : IAsyncDisposable
{
    private readonly Process _browser;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private ChromiumPage(Process browser, DirectoryInfo profile) => (_browser, _profile) = (browser, profile);

    public static async Task<ChromiumPage> OpenAsync(string chromium)
    {
        var profile = Directory.CreateTempSubdirectory("reach-chromium-");
        var start = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", "--window-size=1000,1400",
            $"--user-data-dir={profile.FullName}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var page = new ChromiumPage(Process.Start(start)!, profile);
        try
        {
            // Chromium prints its DevTools address once it listens: the signal to connect.
            string? line;
            Match? listening = null;
            while ((line = await page._browser.StandardError.ReadLineAsync(TestContext.Current.CancellationToken)) is not null)
            {
                listening = DevToolsAddress().Match(line);
                if (listening.Success)
                {
                    break;
                }
            }

            Assert.True(listening is { Success: true }, "Chromium never printed its DevTools address");
            _ = page._browser.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listening.Groups[1].Value}") };
            var targets = JsonNode.Parse(await http.GetStringAsync("/json/list", TestContext.Current.CancellationToken))!.AsArray();
            var target = targets.First(t => t!["type"]!.GetValue<string>() == "page")!;
            await page._socket.ConnectAsync(new Uri(target["webSocketDebuggerUrl"]!.GetValue<string>()), TestContext.Current.CancellationToken);
            await page.SendAsync("Page.enable");
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, waitForEvent: "Page.loadEventFired");
    }

    /// <summary>Evaluates a script expression in the page; returns its value (as JSON).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        return result["result"]?["value"];
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_browser.HasExited)
        {
            _browser.Kill(entireProcessTree: true);
            await _browser.WaitForExitAsync();
        }

        _browser.Dispose();
        _profile.Delete(recursive: true);
    }

    /// <summary>Sends a command; returns its result, after the named event too when one is given.</summary>
    private async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null, string? waitForEvent = null)
    {
        var id = ++_nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        JsonNode? result = null;
        var eventSeen = waitForEvent is null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (result is null || !eventSeen)
        {
            var incoming = await ReceiveAsync(timeout.Token);
            if (incoming["id"]?.GetValue<int>() == id)
            {
                Assert.True(incoming["error"] is null, $"{method}: {incoming["error"]?.ToJsonString()}");
                result = incoming["result"] ?? new JsonObject();
            }
            else if (incoming["method"]?.GetValue<string>() == waitForEvent)
            {
                eventSeen = true;
            }
        }

        return result;
    }

    private async Task<JsonNode> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        WebSocketReceiveResult received;
        do
        {
            received = await _socket.ReceiveAsync(chunk, cancellationToken);
            buffer.Write(chunk, 0, received.Count);
        }
        while (!received.EndOfMessage);

        return JsonNode.Parse(buffer.ToArray())!;
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsAddress();
}
