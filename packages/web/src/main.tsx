import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import './components/components.css';
import { Home } from './routes/Home/Home.tsx';

const root = document.getElementById('root');
if (!root) {
  throw new Error('index.html has no #root element');
}
createRoot(root).render(
  <StrictMode>
    <Home />
  </StrictMode>,
);
