function b = imgaussfilt (a, sigma)
  % IMGAUSSFILT  MATLAB's imgaussfilt(A, sigma) defaults for Octave (the image package 2.14
  % has no imgaussfilt): a (2 ceil(2 sigma) + 1)^2 Gaussian kernel normalised to sum 1,
  % correlation with replicated borders, same size and class as A. Written from MATLAB's
  % documentation (FilterSize default, Padding 'replicate', spatial domain for small kernels);
  % MATLAB filters separably, so results may differ from this 2-D correlation by rounding.
  % Used only by the Luxiush WGIF rows of edge_aware_golden.m.
  if (nargin < 2)
    sigma = 0.5;
  end
  n = 2 * ceil (2 * sigma) + 1;
  h = fspecial ('gaussian', n, sigma);
  b = imfilter (a, h, 'replicate');
end
