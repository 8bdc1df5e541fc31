internal static class LoadHttp
{
    /// <summary>A client for the service under load, sending the key in REACH_API_KEY (bench/load.sh sets it and gives the service the same development key).</summary>
    public static HttpClient Create(string url, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = timeout };
        if (Environment.GetEnvironmentVariable("REACH_API_KEY") is { Length: > 0 } key)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }
}
