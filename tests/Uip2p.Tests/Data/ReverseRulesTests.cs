using Uip2p.Data.Generation;

namespace Uip2p.Tests.Data;

/// <summary>Golden tests of the offline reverse generator: the paper's Table 1/4 examples and the common patterns.</summary>
public class ReverseRulesTests
{
    [Theory]
    // The paper's examples (Table 1 and Table 4).
    [InlineData("A man wearing a denim jacket", "make the jacket a rain coat", "make the coat a denim jacket", "swap")]
    [InlineData("A sofa in the living room", "add pillows", "remove the pillows", "add")]
    // add ↔ remove
    [InlineData("a dog on the grass", "add a hat to the dog", "remove the hat", "add")]
    [InlineData("a kitchen table", "Put some flowers on the table.", "remove the flowers", "add")]
    [InlineData("An astronaut next to a model of the space shuttle", "Remove the space shuttle model.", "add the space shuttle model back", "remove")]
    [InlineData("a street with a car", "get rid of the car", "add the car back", "remove")]
    // colour and material from the input caption
    [InlineData("An astronaut in an orange spacesuit smiling", "Make the spacesuit blue.", "make the spacesuit orange", "colour")]
    [InlineData("a red car parked outside", "change the color of the car to green", "make the car red", "colour")]
    [InlineData("a wooden table in a garden", "make the table marble", "make the table wooden", "material")]
    // object swaps
    [InlineData("a cat sitting on a red sofa", "turn the cat into a dog", "make the dog a cat", "swap")]
    [InlineData("a bowl of green apples on a table", "replace the apples with oranges", "replace the oranges with green apples", "swap")]
    // move back, global style undo
    [InlineData("a lamp beside a bed", "move the lamp to the left", "move the lamp back", "move")]
    [InlineData("a harbour at dawn", "make it a watercolor painting", "turn it back into a photo", "global")]
    [InlineData("a harbour at dawn", "turn the photo into a pencil sketch", "turn it back into a photo", "global")]
    [InlineData("a harbour at dawn", "make it black and white", "restore the original colours", "global")]
    public void Inverts_the_common_patterns(string caption, string instruction, string expected, string pattern)
    {
        var result = RuleReverser.Reverse(caption, instruction);
        Assert.True(result.Inverted, result.Reason);
        Assert.Equal(expected, result.Reverse);
        Assert.Equal(pattern, result.Pattern);
    }

    [Theory]
    // The caption does not say what the colour was: marked, not guessed.
    [InlineData("a car parked outside", "make the car blue", "colour", "does not give the original colour of the car")]
    [InlineData("a harbour at dawn", "make it night", "global", "not a style whose undo is known")]
    [InlineData("two people talking", "have them shake hands", "none", "no rule")]
    [InlineData("a photo", "", "none", "empty")]
    public void Marks_what_it_cannot_invert(string caption, string instruction, string pattern, string reason)
    {
        var result = RuleReverser.Reverse(caption, instruction);
        Assert.False(result.Inverted);
        Assert.Null(result.Reverse);
        Assert.Equal(pattern, result.Pattern);
        Assert.Contains(reason, result.Reason);
    }

    [Fact]
    public void Every_inverted_example_passes_the_text_checks()
    {
        var cases = new[]
        {
            ("A man wearing a denim jacket", "make the jacket a rain coat", "A man wearing a rain coat"),
            ("A sofa in the living room", "add pillows", "A sofa in the living room with pillows"),
            ("An astronaut in an orange spacesuit", "Make the spacesuit blue.", "An astronaut in a blue spacesuit"),
        };
        foreach (var (caption, instruction, edited) in cases)
        {
            var reverse = RuleReverser.Reverse(caption, instruction).Reverse!;
            Assert.Empty(TextChecks.Run(caption, instruction, edited, reverse));
        }
    }
}
