#!/usr/bin/env python3
"""PyTorch FP32 eager training peer of Hindsight's `resnet20`, `mobilenetv2` and `cnn`, for the GPU benchmark table.

The architectures mirror io.hindsight.model.ModelFactory exactly (28x28x1 inputs, 10 classes):
  resnet20: conv3x3(1->16) BN ReLU, 3 stages x 3 basic blocks (16/32/64 channels, stride 2 at the
            first block of stages 2 and 3, 1x1-conv + BN projection shortcuts), global average pool, fc
  mobilenetv2: width 1: stem conv3x3(1->32) BN ReLU6; inverted residuals {t, c, n, s} = {1,16,1,1},
            {6,24,2,2}, {6,32,3,2}, {6,64,4,2}, {6,96,3,1}, {6,160,3,1}, {6,320,1,1} (1x1 expand BN ReLU6
            when t != 1, depthwise 3x3 BN ReLU6, 1x1 project BN; identity residual when stride 1 and
            channels equal); head conv1x1(320->640) BN ReLU6, global average pool, fc(640->10)
  cnn:      conv3x3(1->32) ReLU maxpool2, conv3x3(32->64) ReLU maxpool2, fc(3136->128) ReLU, fc(128->10)
A step is forward, mean cross-entropy, backward and SGD (lr 0.01, momentum 0.9, weight decay 5e-4),
as in Hindsight's train-step benchmarks. Prints samples/s (median of timed windows).

usage: torch_train_peer.py [--model resnet20|mobilenetv2|cnn] [--batch 128] [--iters 50] [--device cuda|cpu]
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for stage, cout in enumerate([16, 32, 64]):
            for b in range(3):
                blocks.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.blocks(x)
        return self.fc(x.mean(dim=(2, 3)))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, t, stride):
        super().__init__()
        hidden = cin * t
        layers = []
        if t != 1:
            layers += [nn.Conv2d(cin, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   nn.ReLU6(), nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout)]
        self.main = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.main(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 1),
                (6, 320, 1, 1)]

    def __init__(self, classes=10):
        super().__init__()
        layers = [nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6()]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for r in range(n):
                layers.append(InvertedResidual(cin, c, t, s if r == 0 else 1))
                cin = c
        layers += [nn.Conv2d(cin, 640, 1, 1, 0, bias=False), nn.BatchNorm2d(640), nn.ReLU6()]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(640, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


class Cnn(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1, 1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="resnet20", choices=["resnet20", "mobilenetv2", "cnn"])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    dev = torch.device(a.device)
    torch.manual_seed(42)
    model = {"resnet20": ResNet20, "mobilenetv2": MobileNetV2, "cnn": Cnn}[a.model]().to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (a.batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(10):
        step()
    sync()
    rates = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(a.iters):
            step()
        sync()
        rates.append(a.batch * a.iters / (time.perf_counter() - t0))
    rates.sort()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    print(f"pytorch {torch.__version__} eager fp32 {a.model} batch {a.batch} on {name}: "
          f"{rates[len(rates) // 2]:.1f} samples/s (median of 5 x {a.iters} steps)")


if __name__ == "__main__":
    main()
