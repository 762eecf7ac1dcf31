using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace Uip2p.Notebooks;

/// <summary>DataFrame → HTML table (the kernel has no DataFrame formatter of its own).</summary>
public static class Tables
{
    /// <summary>Renders at most <paramref name="maxRows"/> rows; numbers with 4 significant digits.</summary>
    public static string ToHtml(DataFrame frame, int maxRows = 50)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var column in frame.Columns) sb.Append("<th>").Append(WebUtility.HtmlEncode(column.Name)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        long rows = Math.Min(frame.Rows.Count, maxRows);
        for (long r = 0; r < rows; r++)
        {
            sb.Append("<tr>");
            foreach (var column in frame.Columns) sb.Append("<td>").Append(WebUtility.HtmlEncode(Cell(column[r]))).Append("</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        if (frame.Rows.Count > rows) sb.Append($"<p>… {frame.Rows.Count - rows} more rows</p>");
        return sb.ToString();
    }

    /// <summary>
    /// Rows of any record or anonymous type as a DataFrame, one column per public property (numbers as doubles,
    /// booleans as such, anything else as text): <c>losses.Select(l =&gt; new { term = l.Key, value = l.Value }).ToDataFrame()</c>.
    /// </summary>
    public static DataFrame ToDataFrame<T>(this IEnumerable<T> rows)
    {
        var list = rows.ToList();
        var columns = new List<DataFrameColumn>();
        foreach (var p in typeof(T).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            var values = list.Select(r => p.GetValue(r)).ToList();
            columns.Add(type == typeof(bool)
                ? new BooleanDataFrameColumn(p.Name, values.Select(v => (bool?)v))
                : type.IsPrimitive || type == typeof(decimal)
                    ? new DoubleDataFrameColumn(p.Name, values.Select(v => v is null ? (double?)null : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)))
                    : new StringDataFrameColumn(p.Name, values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
        }
        return new DataFrame(columns);
    }

    static string Cell(object? value) => value switch
    {
        null => "",
        float f => f.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
