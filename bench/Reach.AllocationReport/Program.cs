using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Reads a .nettrace taken with `dotnet-trace collect --profile gc-verbose` (one allocation sample
// per ~100 KB allocated, with its stack) and prints where the bytes went: by type, and by type
// and allocating call site (the first frames above the runtime's own helpers).
if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: Reach.AllocationReport TRACE.nettrace [top sites, default 30]");
    return 2;
}

var top = args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
using var log = TraceLog.OpenOrConvert(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>(StringComparer.Ordinal);
var bySite = new Dictionary<string, long>(StringComparer.Ordinal);
long total = 0;
foreach (var data in log.Events)
{
    if (data is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    var type = tick.TypeName ?? "?";
    byType[type] = byType.GetValueOrDefault(type) + tick.AllocationAmount64;
    total += tick.AllocationAmount64;
    var site = type + " <= " + string.Join(" <= ", Frames(data.CallStack()));
    bySite[site] = bySite.GetValueOrDefault(site) + tick.AllocationAmount64;
}

if (total == 0)
{
    Console.Error.WriteLine("the trace holds no allocation samples: was it taken with --profile gc-verbose?");
    return 1;
}

Console.WriteLine($"{total / 1e6:N0} MB in allocation samples");
foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(12))
{
    Console.WriteLine($"{bytes * 100.0 / total,6:N2} %  {type}");
}

Console.WriteLine();
foreach (var (site, bytes) in bySite.OrderByDescending(p => p.Value).Take(top))
{
    Console.WriteLine($"{bytes * 100.0 / total,6:N2} %  {site}");
}

return 0;

// The first four named frames, skipping the framework's allocation helpers after the first.
static IEnumerable<string> Frames(TraceCallStack? stack)
{
    var frames = 0;
    for (; stack is not null && frames < 4; stack = stack.Caller)
    {
        var method = stack.CodeAddress.FullMethodName;
        if (string.IsNullOrEmpty(method))
        {
            continue;
        }

        frames++;
        yield return method.Length > 90 ? method[..90] : method;
    }
}
