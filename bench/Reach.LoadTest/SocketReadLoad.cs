using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// Reads one URL at a fixed rate with as little client of its own as possible, so that the
/// latencies are the service's and the machine's rather than this generator's: one thread and one
/// kept-alive HTTP/1.1 connection per lane, the request encoded once, blocking send and receive
/// (no thread-pool hops, no allocation per request). Lane k sends requests k, k + lanes, … each at
/// its due time (request i is due at i / rate); a slow answer delays only its own lane's next
/// request, and the latency from due counts that delay (no coordinated omission). It first reads at the same rate unmeasured, so that the service's
/// just-in-time compiler has finished with the read path, as in a service that has been up a while.
/// </summary>
internal static class SocketReadLoad
{
    public static void Run(string url, string path, int rate, int seconds, int warmUpSeconds, Func<double>? serviceCpuSeconds, int lanes = 16)
    {
        var uri = new Uri(url);
        var request = Encoding.ASCII.GetBytes(
            $"GET {path} HTTP/1.1\r\nHost: {uri.Authority}\r\n"
            + (Environment.GetEnvironmentVariable("REACH_API_KEY") is { Length: > 0 } key ? $"Authorization: Bearer {key}\r\n" : "")
            + "\r\n");
        if (warmUpSeconds > 0)
        {
            Measure(uri, request, rate, warmUpSeconds, lanes);
        }

        var cpuBefore = serviceCpuSeconds?.Invoke();
        var (fromSend, fromDue, failures, elapsed) = Measure(uri, request, rate, seconds, lanes);
        var cpu = serviceCpuSeconds?.Invoke() - cpuBefore;
        Console.WriteLine($"GET {path} at {rate:N0}/s for {seconds} s after {warmUpSeconds} s at that rate unmeasured ({lanes} socket lanes): {fromSend.Length:N0} requests in {elapsed:N1} s, {failures} failed");
        ReadLoad.PrintLatencies(fromSend, fromDue);
        if (cpu is { } used)
        {
            Console.WriteLine($"  service CPU: {used / elapsed:N2} cores busy, {used * 1e6 / fromSend.Length:N0} µs per request");
        }
    }

    /// <summary>Runs the lanes for <paramref name="seconds"/>; the latencies come back sorted.</summary>
    private static (double[] FromSend, double[] FromDue, int Failures, double Elapsed) Measure(Uri uri, byte[] request, int rate, int seconds, int lanes)
    {
        var total = rate * seconds;
        var fromSend = new double[total];
        var fromDue = new double[total];
        var failures = 0;
        var ticksPerMs = Stopwatch.Frequency / 1e3;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        var threads = Enumerable.Range(0, lanes).Select(lane => new Thread(() =>
        {
            using var connection = new Lane(uri, request);
            for (var i = lane; i < total; i += lanes)
            {
                var due = start + (long)((double)i / rate * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() is var now && now < due)
                {
                    Thread.Sleep(TimeSpan.FromTicks(Math.Max(1, (due - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                }

                var sent = Stopwatch.GetTimestamp();
                if (!connection.Send())
                {
                    Interlocked.Increment(ref failures);
                }

                var answered = Stopwatch.GetTimestamp();
                fromSend[i] = (answered - sent) / ticksPerMs;
                fromDue[i] = (answered - due) / ticksPerMs;
            }
        })
        { IsBackground = true, Name = $"read lane {lane}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(fromSend);
        Array.Sort(fromDue);
        return (fromSend, fromDue, failures, elapsed);
    }

    /// <summary>One kept-alive connection that sends the request and reads one whole answer.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly Socket _socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly byte[] _request;
        private readonly byte[] _buffer = new byte[1 << 16];

        public Lane(Uri uri, byte[] request)
        {
            _request = request;
            _socket.Connect(uri.Host, uri.Port);
        }

        /// <summary>Sends the request and reads its answer; true when it was a 200.</summary>
        public bool Send()
        {
            _socket.Send(_request);
            var received = 0;
            var headerEnd = -1;
            while (headerEnd < 0)
            {
                received += Receive(received);
                headerEnd = _buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
            }

            var headers = _buffer.AsSpan(0, headerEnd);
            var end = headerEnd + 4 + ContentLength(headers);
            while (received < end)
            {
                received += Receive(received);
            }

            if (received != end)
            {
                throw new InvalidOperationException("The service answered more than one response to one request.");
            }

            return _buffer.AsSpan().StartsWith("HTTP/1.1 200"u8);
        }

        private int Receive(int offset)
        {
            var read = _socket.Receive(_buffer, offset, _buffer.Length - offset, SocketFlags.None);
            return read > 0 ? read : throw new InvalidOperationException("The service closed the connection.");
        }

        private static int ContentLength(ReadOnlySpan<byte> headers)
        {
            var at = headers.IndexOf("\r\nContent-Length:"u8);
            if (at < 0)
            {
                throw new InvalidOperationException($"The answer has no Content-Length (this client reads no chunked bodies): {Encoding.ASCII.GetString(headers)}");
            }

            return System.Buffers.Text.Utf8Parser.TryParse(headers[(at + 17)..].TrimStart((byte)' '), out int length, out _)
                ? length
                : throw new InvalidOperationException($"The answer's Content-Length is not a number: {Encoding.ASCII.GetString(headers)}");
        }

        public void Dispose() => _socket.Dispose();
    }
}
