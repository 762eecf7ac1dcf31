using Uip2p.Runtime;
TorchRuntime.EnsureLoaded();
Console.WriteLine($"{TorchRuntime.TorchSharpVersion} {TorchRuntime.LibTorchVersion} {Devices.Default} {TorchRuntime.NativeLocation}");
