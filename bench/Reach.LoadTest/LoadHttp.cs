using System.Net.Http.Headers;

internal static class LoadHttp
{
    /// <summary>A client for the service under load, sending the key in REACH_API_KEY (bench/load.sh sets it and gives the service the same development key).</summary>
    public static HttpClient Create(string url, TimeSpan timeout, int maxConnections = int.MaxValue)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        var client = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = timeout };
        if (Environment.GetEnvironmentVariable("REACH_API_KEY") is { Length: > 0 } key)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }

    /// <summary>A request body of events as NDJSON, for <c>POST /v1/events</c>.</summary>
    public static ByteArrayContent Ndjson(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return content;
    }
}
