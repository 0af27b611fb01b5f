function b = blkproc (a, blk, border, fun)
  % BLKPROC  Octave stand-in for MATLAB's (deprecated) blkproc, distinct-block form only:
  % blkproc(A, [m n], [0 0], fun). A is zero-padded at the bottom/right to a multiple of the
  % block size (as MATLAB documents), fun is applied to every m x n block and must return a
  % scalar; b(i, j) is the value for block (i, j). Only what Z. Liu's metricChen.m (VIFB
  % metricsQcv) uses.
  if (any (border ~= 0))
    error ('blkproc stand-in: only border [0 0] is supported');
  end
  m = blk(1);
  n = blk(2);
  [rows, cols] = size (a);
  br = ceil (rows / m);
  bc = ceil (cols / n);
  p = zeros (br * m, bc * n);
  p(1:rows, 1:cols) = a;
  b = zeros (br, bc);
  for i = 1:br
    for j = 1:bc
      b(i, j) = fun (p((i-1)*m+1:i*m, (j-1)*n+1:j*n));
    end
  end
end
