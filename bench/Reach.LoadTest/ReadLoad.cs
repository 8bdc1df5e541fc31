using System.Diagnostics;

/// <summary>
/// Reads one URL at a fixed rate (open loop: requests go out on schedule whether or not earlier
/// ones have answered, so a slow answer cannot hide the ones queued behind it) and prints latency
/// percentiles: from the moment each request was sent, and from the moment it was due (which also
/// counts this client's own lateness in sending).
/// </summary>
internal static class ReadLoad
{
    public static async Task RunAsync(string url, string path, int rate, int seconds)
    {
        using var http = LoadHttp.Create(url, TimeSpan.FromSeconds(30), maxConnections: 256);
        for (var i = 0; i < 200; i++)
        {
            (await http.GetAsync(path)).EnsureSuccessStatusCode();
        }

        var total = rate * seconds;
        var fromSend = new double[total];
        var fromDue = new double[total];
        var failures = 0;
        var requests = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        var sent = 0;

        async Task SendAsync(int index, double dueAt)
        {
            var start = clock.Elapsed.TotalSeconds;
            using var response = await http.GetAsync(path);
            var end = clock.Elapsed.TotalSeconds;
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }

            fromSend[index] = (end - start) * 1e3;
            fromDue[index] = (end - dueAt) * 1e3;
        }

        while (sent < total)
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; sent < due; sent++)
            {
                requests.Add(SendAsync(sent, (double)sent / rate));
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(requests);
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(fromSend);
        Array.Sort(fromDue);
        Console.WriteLine($"GET {path} at {rate:N0}/s for {seconds} s: {total:N0} requests in {elapsed:N1} s, {failures} failed");
        PrintLatencies(fromSend, fromDue);
    }

    /// <summary>Percentiles of sorted latencies, from sending and from the due time.</summary>
    public static void PrintLatencies(double[] fromSend, double[] fromDue)
    {
        Console.WriteLine($"  latency ms from send: p50 {P(fromSend, 0.50):N2}, p90 {P(fromSend, 0.90):N2}, p99 {P(fromSend, 0.99):N2}, p99.9 {P(fromSend, 0.999):N2}, max {fromSend[^1]:N2}");
        Console.WriteLine($"  latency ms from due:  p50 {P(fromDue, 0.50):N2}, p90 {P(fromDue, 0.90):N2}, p99 {P(fromDue, 0.99):N2}, p99.9 {P(fromDue, 0.999):N2}, max {fromDue[^1]:N2}");
    }

    private static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
