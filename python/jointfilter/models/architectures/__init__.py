"""PyTorch definitions of the learned models (imported lazily: these modules import torch).

Written from the papers and ``docs/models.md``; no code was copied from the original repositories.

============================  ===================================================================
module                        content
============================  ===================================================================
``mirnet``                    MIRNet (ECCV 2020), loads the official checkpoints strictly
``mirnet_v2``                 MIRNet-v2 (TPAMI 2022), loads the official checkpoints strictly
``mirnet_tone``               global (exposure, gamma) tone inverse + MIRNet-v2 residual
``codenet``                   CODE-Net-style multi-scale unrolled CSC deraining + density read-out
``stochastic``                modulated-convolution generator + latent encoder (Augmented CycleGAN)
``stochastic_tone``           exact per-channel (gain, gamma) tone inverse + ``stochastic`` residual
``blur_cnn``                  IVIF blur-detection CNN, state_dict-compatible with the authors' file
============================  ===================================================================
"""
