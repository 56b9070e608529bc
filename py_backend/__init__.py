"""tbwasm: a RISC-V RV64GC Linux user-mode emulator with a Python JIT to WebAssembly."""

__version__ = "0.1.0"
