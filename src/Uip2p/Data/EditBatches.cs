using Uip2p.Imaging;
using Uip2p.Runtime;
using static TorchSharp.torch;

namespace Uip2p.Data;

/// <summary>One training batch: images in [0,1] <c>[B,3,H,W]</c> and the record texts, row by row.</summary>
public sealed record EditBatch(
    IReadOnlyList<string> Ids,
    Tensor Inputs,
    IReadOnlyList<string> Instructions,
    IReadOnlyList<string> ReverseInstructions,
    IReadOnlyList<string> InputCaptions,
    IReadOnlyList<string> EditedCaptions,
    Tensor? EditedImages,
    Tensor? CleanEditedImages,
    Tensor? Masks) : IDisposable
{
    public int Count => Ids.Count;

    public void Dispose()
    {
        Inputs.Dispose();
        EditedImages?.Dispose();
        CleanEditedImages?.Dispose();
        Masks?.Dispose();
    }
}

/// <summary>
/// Batches of a dataset's records in a seeded order: epoch e visits the records in a permutation drawn from
/// (seed, e), and batch k of size b holds stream positions k·b … k·b+b−1. The data position is thus one
/// number (the next stream position) and a resumed run sees exactly the batches it would have seen.
/// Images are centre-cropped to a square and resized to <see cref="Resolution"/> when they differ (photographs of
/// any size and aspect), and kept in memory up to <see cref="CacheBytes"/>; beyond it they are read again each time,
/// so an imported dataset of any size fits (a 256-px image is 0.79 MB as float32).
/// </summary>
public sealed class EditBatches
{
    readonly IReadOnlyList<EditRecord> _records;
    readonly EditDataset _dataset;
    readonly Dictionary<string, Tensor> _images = [];

    public EditBatches(EditDataset dataset, IReadOnlyList<EditRecord> records, int seed, int resolution)
    {
        if (records.Count == 0) throw new ArgumentException($"{dataset.RecordsPath}: no records to train on.");
        _dataset = dataset;
        _records = records;
        Seed = seed;
        Resolution = resolution;
    }

    public int Seed { get; }
    public int Resolution { get; }

    /// <summary>Most memory the decoded images may keep (default 2 GB: the world's data all of it, ~2,700 images at 256 px).</summary>
    public long CacheBytes { get; init; } = 2L << 30;

    long _cached;
    public int Count => _records.Count;
    public IReadOnlyList<EditRecord> Records => _records;

    /// <summary>The record at stream position <paramref name="position"/>.</summary>
    public EditRecord At(long position)
    {
        long epoch = position / _records.Count;
        if (_order is null || _orderEpoch != epoch)
        {
            _order = Enumerable.Range(0, _records.Count).ToArray();
            new Random(StableSeed.Of(Seed, "epoch", epoch)).Shuffle(_order);
            _orderEpoch = epoch;
        }
        return _records[_order[position % _records.Count]];
    }

    int[]? _order;
    long _orderEpoch = -1;

    /// <summary>The batch of stream positions [start, start + size).</summary>
    public EditBatch Batch(long start, int size) => Of(Enumerable.Range(0, size).Select(i => At(start + i)).ToList());

    /// <summary>A batch of the given records, in order.</summary>
    public EditBatch Of(IReadOnlyList<EditRecord> rows)
    {
        bool truth = rows.All(r => r.EditedImage != null), clean = rows.All(r => r.EvaluationTarget != null), masks = rows.All(r => r.EditMask != null);
        return new EditBatch(
            rows.Select(r => r.Id).ToList(),
            Stack(rows.Select(r => r.InputImage)),
            rows.Select(r => r.EditInstruction).ToList(),
            rows.Select(r => r.ReverseInstruction).ToList(),
            rows.Select(r => r.InputCaption).ToList(),
            rows.Select(r => r.EditedCaption).ToList(),
            truth ? Stack(rows.Select(r => r.EditedImage!)) : null,
            clean ? Stack(rows.Select(r => r.EvaluationTarget!)) : null,
            masks ? Stack(rows.Select(r => r.EditMask!)).mean([1], keepdim: true) : null);
    }

    Tensor Stack(IEnumerable<string> paths) => cat(paths.Select(Image).ToArray(), 0);

    Tensor Image(string relative)
    {
        if (_images.TryGetValue(relative, out var cached)) return cached;
        var image = _dataset.LoadImage(relative);
        if (image.shape[2] != Resolution || image.shape[3] != Resolution)
        {
            int side = (int)Math.Min(image.shape[2], image.shape[3]);
            image = ImageOps.Resize(ImageOps.CenterCrop(image, side, side), Resolution, Resolution);
        }
        long bytes = image.NumberOfElements * image.ElementSize;
        if (_cached + bytes > CacheBytes) return image;   // left to the caller's dispose scope
        image.DetachFromDisposeScope();
        _images[relative] = image;
        _cached += bytes;
        return image;
    }
}
