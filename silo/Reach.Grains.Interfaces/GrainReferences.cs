namespace Reach.Grains;

/// <summary>
/// Grain references by string key without Orleans' per-call type resolution:
/// <c>IGrainFactory.GetGrain&lt;T&gt;(string)</c> finds the grain interface's type by reading the
/// interface's custom attributes on every call (constructing them anew), which was 5 % of the
/// service's CPU on cached metrics reads and is paid for every shard a batch fans out to. The
/// grain and interface types are resolved once per interface, by the first such call, and every
/// later reference is built from them and the key. Every Reach process hosts a silo with all the
/// grain classes, so the first resolution is the final one.
/// </summary>
public static class GrainReferences
{
    public static TGrainInterface Get<TGrainInterface>(this IGrainFactory grains, string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return Resolved<TGrainInterface>.Types is { } types
            ? (TGrainInterface)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface)
            : Resolved<TGrainInterface>.Resolve(grains, key);
    }

    private static class Resolved<TGrainInterface>
        where TGrainInterface : IGrainWithStringKey
    {
        public static volatile GrainTypes? Types;

        public static TGrainInterface Resolve(IGrainFactory grains, string key)
        {
            var grain = grains.GetGrain<TGrainInterface>(key);
            var reference = (GrainReference)(object)grain;
            Types = new(reference.GrainId.Type, reference.InterfaceType);
            return grain;
        }
    }

    private sealed record GrainTypes(GrainType Grain, GrainInterfaceType Interface);
}
