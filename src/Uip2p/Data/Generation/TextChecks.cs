namespace Uip2p.Data.Generation;

/// <summary>
/// Checks on generated text before it is trained on: the edited caption must differ from the input
/// caption, and the reverse instruction must name what the forward edit changed (share a content word with
/// the forward instruction or with the words the captions differ by). Each failure is a review flag.
/// </summary>
public static class TextChecks
{
    public static List<string> Run(string inputCaption, string instruction, string editedCaption, string reverse)
    {
        var failures = new List<string>();
        foreach (var (name, value) in new[] { ("input_caption", inputCaption), ("edit_instruction", instruction), ("edited_caption", editedCaption), ("reverse_instruction", reverse) })
            if (string.IsNullOrWhiteSpace(value)) failures.Add($"check: {name} is empty");
        if (failures.Count > 0) return failures;
        if (Same(inputCaption, editedCaption)) failures.Add("check: the edited caption is the input caption");
        if (Same(instruction, reverse)) failures.Add("check: the reverse instruction repeats the forward one");
        var changed = EditWords.Content(instruction);
        var inCaption = EditWords.Content(inputCaption);
        var outCaption = EditWords.Content(editedCaption);
        changed.UnionWith(inCaption.Except(outCaption));
        changed.UnionWith(outCaption.Except(inCaption));
        if (!EditWords.Content(reverse).Overlaps(changed))
            failures.Add("check: the reverse instruction does not name what the forward edit changed");
        return failures;
    }

    static bool Same(string a, string b) => string.Join(' ', EditWords.Words(a)) == string.Join(' ', EditWords.Words(b));
}
