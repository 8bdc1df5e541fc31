using System.ComponentModel.DataAnnotations;

namespace Reach.Grains;

/// <summary>Settings under "Reach" in configuration.</summary>
public sealed class ReachOptions
{
    public const string Section = "Reach";

    /// <summary>"memory" (the embedded default). PostgreSQL arrives with the durable-storage work.</summary>
    [Required]
    public string Storage { get; set; } = "memory";

    /// <summary>Cascades with more nodes than this refresh their metrics at most once per <see cref="MetricsRefreshInterval"/>.</summary>
    [Range(0, int.MaxValue)]
    public int LargeCascadeNodes { get; set; } = 50_000;

    public TimeSpan MetricsRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Load the bundled motivating-case sample on start.</summary>
    public bool LoadSample { get; set; }
}

public static class ReachStorage
{
    public const string Name = "reach";
}
