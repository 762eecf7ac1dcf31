namespace Uip2p.Data.Import;

/// <summary>The first required text that is missing or blank, as a reject reason naming the source field.</summary>
public static class TextFields
{
    public static string? FirstProblem(params (string Field, string? Value)[] fields)
    {
        foreach (var (field, value) in fields)
        {
            if (value == null) return $"missing field: '{field}'";
            if (string.IsNullOrWhiteSpace(value)) return $"empty text: '{field}'";
        }
        return null;
    }
}
