function g = rgb2gray (x)
  % RGB2GRAY  MATLAB's rgb2gray behaviour for Octave (Octave 7's own rgb2gray rounds the
  % weights to 6 decimals and, for uint8, computes on x/255 and rescales, which moves a few
  % uint8 results by one grey level).  Written from MATLAB's documentation: the weights are the
  % first row of inv([1 0.956 0.621; 1 -0.272 -0.647; 1 -1.106 1.703]) (0.2989, 0.5870,
  % 0.1140); integer input returns the same class (rounded half away from zero, saturated),
  % floating input returns the unrounded weighted sum.  Assumed, not verified against MATLAB.
  t = inv ([1.0 0.956 0.621; 1.0 -0.272 -0.647; 1.0 -1.106 1.703]);
  c = t(1, :);
  xd = double (x);
  g = xd(:, :, 1) * c(1) + xd(:, :, 2) * c(2);
  g = g + xd(:, :, 3) * c(3);
  if (isinteger (x))
    g = cast (g, class (x));   % Octave's integer conversion rounds half away and saturates
  elseif (isa (x, 'single'))
    g = single (g);
  end
end
