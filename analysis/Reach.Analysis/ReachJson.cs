using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reach.Analysis;

/// <summary>The JSON conventions of every Reach document: camelCase names, nulls written out.</summary>
public static class ReachJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
    };
}
