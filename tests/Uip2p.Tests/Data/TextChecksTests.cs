using Uip2p.Data.Generation;

namespace Uip2p.Tests.Data;

/// <summary>The checks on generated text that decide whether a record is trained on or flagged for review.</summary>
public class TextChecksTests
{
    [Fact]
    public void A_good_record_passes() =>
        Assert.Empty(TextChecks.Run("A sofa in the living room", "add pillows", "A sofa in the living room with pillows", "remove the pillows"));

    [Fact]
    public void An_edited_caption_equal_to_the_input_caption_is_flagged()
    {
        var failures = TextChecks.Run("A sofa in the living room.", "add pillows", "a sofa in the  living room", "remove the pillows");
        Assert.Contains("check: the edited caption is the input caption", failures);
    }

    [Fact]
    public void A_reverse_that_names_something_else_is_flagged()
    {
        var failures = TextChecks.Run("A man wearing a denim jacket", "make the jacket a rain coat", "A man wearing a rain coat", "make the sky blue");
        Assert.Equal(["check: the reverse instruction does not name what the forward edit changed"], failures);
    }

    [Fact]
    public void A_reverse_that_repeats_the_forward_instruction_is_flagged()
    {
        var failures = TextChecks.Run("A sofa", "add pillows", "A sofa with pillows", "Add pillows.");
        Assert.Contains("check: the reverse instruction repeats the forward one", failures);
    }

    [Fact]
    public void Empty_texts_are_flagged_by_name()
    {
        var failures = TextChecks.Run("A sofa", "add pillows", "", " ");
        Assert.Equal(["check: edited_caption is empty", "check: reverse_instruction is empty"], failures);
    }
}
